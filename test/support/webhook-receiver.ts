import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { TestProject } from "vitest/node";

/** One post the receiver got, as it arrived. */
export interface ReceivedPost {
  path: string;
  contentType: string | null;
  body: string;
}

/** What the receiver does with the next posts. */
export type ReceiverMode = "ok" | "error" | "hang" | "down";

declare module "vitest" {
  export interface ProvidedContext {
    /** The alert webhook receiver's ports on 127.0.0.1: `hook` takes the posts, `control` drives it and lists them. */
    webhookReceiver: { hookPort: number; controlPort: number };
  }
}

/**
 * A real HTTP receiver for the alert webhook, run in Node outside workerd (a globalSetup of the
 * workers project, vitest.config.ts): the Durable Object's alarm posts to it with workerd's own
 * fetch over the loopback network. Two servers on 127.0.0.1:
 * - the hook (`hookPort`, in the test sites' `alertWebhook`, test/fixtures/site-config.ts): records
 *   each request and answers as the mode says: `ok` 204, `error` 500, `hang` never answers,
 *   `down` is not listening at all (connection refused);
 * - the control (`controlPort`), for the tests: `GET /posts` lists what the hook recorded,
 *   `POST /mode/<mode>` sets the mode, `POST /reset` forgets the posts and goes back to `ok`.
 */
class WebhookReceiver {
  private readonly posts: ReceivedPost[] = [];
  private mode: ReceiverMode = "ok";
  private readonly hook = createServer((request, response) => void this.receive(request, response));
  private readonly control = createServer((request, response) => void this.steer(request, response));
  /** Open connections to the hook, closed when it goes down (a hanging answer holds one). */
  private readonly sockets = new Set<Socket>();
  hookPort = 0;
  controlPort = 0;

  async start(): Promise<void> {
    this.hook.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    this.hookPort = await listen(this.hook, 0);
    this.controlPort = await listen(this.control, 0);
  }

  async stop(): Promise<void> {
    await this.setMode("down");
    await new Promise<void>((resolve) => this.control.close(() => resolve()));
  }

  private async receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readText(request);
    this.posts.push({ path: request.url ?? "", contentType: request.headers["content-type"] ?? null, body });
    if (this.mode === "hang") return;
    response.writeHead(this.mode === "error" ? 500 : 204).end();
  }

  private async steer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    await readText(request);
    const url = new URL(request.url ?? "/", "http://control");
    const mode = /^\/mode\/(ok|error|hang|down)$/.exec(url.pathname)?.[1] as ReceiverMode | undefined;
    if (request.method === "GET" && url.pathname === "/posts") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(this.posts));
    } else if (request.method === "POST" && url.pathname === "/reset") {
      this.posts.length = 0;
      await this.setMode("ok");
      response.writeHead(204).end();
    } else if (request.method === "POST" && mode !== undefined) {
      await this.setMode(mode);
      response.writeHead(204).end();
    } else {
      response.writeHead(404).end();
    }
  }

  private async setMode(mode: ReceiverMode): Promise<void> {
    if (mode === "down" && this.hook.listening) {
      for (const socket of this.sockets) socket.destroy();
      await new Promise<void>((resolve) => this.hook.close(() => resolve()));
    }
    // Back on the same port: the sites' webhook URLs name it.
    if (mode !== "down" && !this.hook.listening) await listen(this.hook, this.hookPort);
    this.mode = mode;
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** vitest globalSetup: starts the receiver before the workers project's tests, stops it after. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const receiver = new WebhookReceiver();
  await receiver.start();
  project.provide("webhookReceiver", { hookPort: receiver.hookPort, controlPort: receiver.controlPort });
  return () => receiver.stop();
}
