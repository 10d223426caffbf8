import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export const DEV_TOKEN = "stepwise-dev-token";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface CollectorOptions {
  /**
   * A site config to serve in place of stepwise.config.json, relative to the project root, such
   * as the tests' fixture `test/fixtures/stepwise.config.json` (the workers tests' sites).
   */
  siteConfig?: string;
}

/**
 * The real collector, as a newcomer runs it (`wrangler dev`, local settings from .dev.vars), on
 * a free port of 127.0.0.1 with empty state in a temporary folder, so counts start at zero.
 */
export class CollectorProcess {
  private child: ChildProcess | undefined;
  private stateDir = "";
  private configDir = "";
  private output = "";
  origin = "";

  constructor(private readonly options: CollectorOptions = {}) {}

  /**
   * wrangler.toml with the site config swapped, as a wrangler.json in a temporary folder. The
   * worker imports its sites as `../generated/site-config.json` (src/config/sites.ts), and the
   * config's `alias` is the one way to point that import elsewhere for `wrangler dev` (its
   * `--alias` flag is accepted but not applied to dev builds, wrangler 4.156). Paths are absolute;
   * .dev.vars is copied beside it, where wrangler looks for it.
   */
  private async writeConfig(siteConfig: string): Promise<string> {
    const { experimental_readRawConfig } = await import("wrangler");
    const { rawConfig } = experimental_readRawConfig({ config: join(ROOT, "wrangler.toml") });
    this.configDir = await mkdtemp(join(tmpdir(), "stepwise-config-"));
    const config = {
      ...rawConfig,
      main: join(ROOT, rawConfig.main ?? "src/index.ts"),
      build: { command: rawConfig.build?.command, cwd: ROOT },
      alias: { "../generated/site-config.json": join(ROOT, siteConfig) },
    };
    const path = join(this.configDir, "wrangler.json");
    await writeFile(path, JSON.stringify(config, null, 2));
    await copyFile(join(ROOT, ".dev.vars"), join(this.configDir, ".dev.vars"));
    return path;
  }

  async start(): Promise<void> {
    const [port, inspectorPort] = [await freePort(), await freePort()];
    this.stateDir = await mkdtemp(join(tmpdir(), "stepwise-state-"));
    const configArgs = this.options.siteConfig === undefined ? [] : ["--config", await this.writeConfig(this.options.siteConfig)];
    this.origin = `http://127.0.0.1:${port}`;
    // process.execPath is the Node running the tests (Node 22 from node_modules when run by npm).
    this.child = spawn(
      process.execPath,
      [
        "node_modules/wrangler/bin/wrangler.js",
        "dev",
        ...configArgs,
        "--ip",
        "127.0.0.1",
        "--port",
        String(port),
        "--inspector-port",
        String(inspectorPort),
        "--persist-to",
        this.stateDir,
        "--var",
        "DEMO_SHOP:true",
        "--var",
        "ALLOW_LOCALHOST:true",
        "--var",
        `STATS_TOKEN:${DEV_TOKEN}`,
      ],
      { env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    this.child.stdout?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`wrangler dev exited:\n${this.output}`);
      try {
        if ((await fetch(`${this.origin}/`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`wrangler dev did not start in time:\n${this.output}`);
  }

  async stop(): Promise<void> {
    if (this.child?.pid !== undefined && this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child?.once("exit", resolve));
      process.kill(-this.child.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
    if (this.stateDir) await rm(this.stateDir, { recursive: true, force: true });
    if (this.configDir) await rm(this.configDir, { recursive: true, force: true });
  }

  async stats<T>(site: string, endpoint = "", query = ""): Promise<T> {
    const response = await fetch(`${this.origin}/api/stats/${site}${endpoint}?${query}`, {
      headers: { authorization: `Bearer ${DEV_TOKEN}` },
    });
    if (!response.ok) throw new Error(`stats ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }
}
