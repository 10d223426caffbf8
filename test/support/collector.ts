import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { vi } from "vitest";
import app from "../../src/index";

/** Realistic User-Agents, one per device class. */
export const USER_AGENTS = {
  windowsChrome: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  linuxFirefox: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  iPhoneSafari:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  androidTablet: "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  googlebot: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
} as const;

export const STATS_TOKEN = "test-token";

export interface Sender {
  ip?: string;
  userAgent?: string;
  country?: string;
  /** Cloudflare's geolocation of the request beyond the country (ISO 3166-2 subdivision code without the country, its name, the city). */
  place?: { regionCode?: string; region?: string; city?: string };
  headers?: Record<string, string>;
}

/** Sends a beacon the way sendBeacon does: JSON in a text/plain body. */
export function postEvent(body: unknown, sender: Sender = {}): Promise<Response> {
  return exports.default.fetch(eventRequest(body, sender));
}

export function eventRequest(body: unknown, sender: Sender = {}): Request {
  return new Request("https://collector.test/api/event", {
    method: "POST",
    headers: {
      "content-type": "text/plain;charset=UTF-8",
      "user-agent": sender.userAgent ?? USER_AGENTS.windowsChrome,
      "cf-connecting-ip": sender.ip ?? "192.0.2.1",
      ...sender.headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...(sender.country ? { cf: { country: sender.country, ...sender.place } } : {}),
  });
}

/** Sends a hit as if received at `isoTime` (the collector stamps hits with its own clock). */
export async function postEventAt(isoTime: string, body: unknown, sender: Sender = {}): Promise<Response> {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(isoTime));
  try {
    return await postEvent(body, sender);
  } finally {
    vi.useRealTimers();
  }
}

export function getStats(site: string, query = "", token: string | null = STATS_TOKEN): Promise<Response> {
  return exports.default.fetch(
    new Request(`https://collector.test/api/stats/${site}${query ? `?${query}` : ""}`, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    }),
  );
}

/** Calls the app with the test bindings overridden, e.g. the deployed default UNKNOWN_SITES=drop. */
export function fetchWithSettings(
  request: Request,
  overrides: Partial<Record<"UNKNOWN_SITES" | "ALLOW_LOCALHOST" | "STATS_TOKEN" | "DEMO_SHOP" | "GEOLOCATION", string>>,
): Promise<Response> {
  return Promise.resolve(app.fetch(request, { ...env, ...overrides }, createExecutionContext()));
}

export async function readJson<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}
