import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { buildTracker } from "../../../scripts/build-tracker.mjs";

/** One hit the tracker sent, as the collector would receive it. */
export interface RecordedBeacon {
  contentType: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A stand-in collector for the tracker's own tests, on 127.0.0.1: serves the freshly built
 * tracker at /t.js and the test's pages, and records every POST /api/event. (The real collector
 * is exercised end to end by demo-shop.test.ts.)
 */
export class BeaconRecorder {
  readonly beacons: RecordedBeacon[] = [];
  private readonly pages = new Map<string, string>();
  private server: Server | undefined;
  private tracker = "";
  port = 0;

  async start(): Promise<void> {
    this.tracker = await buildTracker();
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Serves `html` at `path` (any host that resolves here). */
  page(path: string, html: string): void {
    this.pages.set(path, html);
  }

  clear(): void {
    this.beacons.length = 0;
  }

  /** Waits until `count` beacons arrived (beacons are asynchronous), then returns them. */
  async waitFor(count: number, timeoutMs = 5_000): Promise<RecordedBeacon[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.beacons.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    return [...this.beacons];
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://recorder");
    if (request.method === "POST" && url.pathname === "/api/event") {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      this.beacons.push({
        contentType: request.headers["content-type"],
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>,
      });
      response.writeHead(202, { "access-control-allow-origin": "*" }).end();
      return;
    }
    if (url.pathname === "/t.js") {
      response.writeHead(200, { "content-type": "application/javascript" }).end(this.tracker);
      return;
    }
    const html = this.pages.get(url.pathname);
    if (html !== undefined) {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
      return;
    }
    response.writeHead(404).end();
  }
}
