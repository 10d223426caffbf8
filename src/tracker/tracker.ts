/**
 * The stepwise tracker, served at /t.js (docs/tracker.md). Built by scripts/build.mjs
 * with esbuild into a minified IIFE; a test keeps it within 1,024 bytes gzipped, so every
 * feature here is written for size: short names, no classes, no polyfills.
 * A script, not a module: esbuild wraps it in an IIFE, so nothing leaks into the page.
 */
interface TrackOptions {
  props?: Record<string, string | number | boolean>;
  revenue?: { amount: number | string; currency: string };
}
interface Window {
  // Before the tracker loads, the README snippet's stub queues calls in q.
  stepwise?: { track: (name: string, options?: TrackOptions) => unknown; q?: IArguments[] };
}
interface Navigator {
  globalPrivacyControl?: boolean;
}

const w = window;
const d = document;
const loc = location;
const nav = navigator;
const now = Date.now;
const script = d.currentScript as HTMLScriptElement;
const { api = new URL("/api/event", script.src).href, domain = loc.hostname, base = "", allow = "", hash } = script.dataset;
const hashMode = hash != null;
// Switches in data-allow, space-separated: "localhost", "automation", "dnt" (send despite GPC and DNT).
let ignored: unknown;
try {
  ignored = localStorage.stepwise_ignore == "true";
} catch {
  // Storage may be blocked; that is no opt-out.
}
ignored ||=
  (!allow.match("localhost") && /^(localhost|127\.|\[::1)/.test(loc.hostname)) ||
  (!allow.match("automation") && nav.webdriver) ||
  (!allow.match("dnt") && (nav.globalPrivacyControl || nav.doNotTrack == "1"));

let current = "";
let maxScroll = 0;
// When the page last became visible; 0 while hidden or already reported.
let visibleSince = 0;

// A site served under a sub-path (data-base, e.g. /demo) reports paths relative to it; the path
// is the first place the base can occur in the URL. The fragment is part of the page only in hash mode.
const pageUrl = () => (hashMode ? loc.href : (loc.href.split("#")[0] as string)).replace(base, "");

// sendBeacon posts text/plain: no CORS preflight, from any origin, and it survives unload.
const send = (name: string, options: TrackOptions = {}, extra?: object) =>
  ignored ||
  nav.sendBeacon(
    api,
    JSON.stringify({ n: name, u: current, d: domain, r: d.referrer, p: options.props, $: options.revenue, h: hashMode, ...extra }),
  );

const measureScroll = () => {
  maxScroll = Math.max(maxScroll, Math.min(100, Math.round(((w.scrollY + w.innerHeight) / d.documentElement.scrollHeight) * 100)));
};
// Reports the time the page was visible since the last report, and the deepest scroll: when the
// tab is hidden (which browsers also signal on unload) and before the next SPA pageview.
const flush = () => {
  const engagedMs = visibleSince && now() - visibleSince;
  visibleSince = 0;
  if (engagedMs) send("engagement", {}, { sd: maxScroll, e: engagedMs });
};

const pageview = () => {
  const next = pageUrl();
  if (next == current) return;
  flush();
  current = next;
  maxScroll = 0;
  measureScroll();
  visibleSince = now();
  send("pageview");
};

// data-goal-sku="shoe" on the goal's element becomes the prop sku.
const goalProps = (element: Element) => {
  const props: Record<string, string> = {};
  for (let { name, value } of element.attributes) if ((name = name.split("data-goal-")[1] as string)) props[name] = value;
  return { props };
};
const on = (target: EventTarget, type: string, listener: (event: Event) => void, capture?: boolean) =>
  target.addEventListener(type, listener, capture);

// Single-page apps: every history change that changes the page is a pageview.
const { history: browserHistory } = w;
for (const method of ["pushState", "replaceState"] as const) {
  const original = browserHistory[method];
  browserHistory[method] = function (this: History, ...args: Parameters<History["pushState"]>) {
    original.apply(this, args);
    pageview();
  };
}
on(w, "popstate", pageview);
if (hashMode) on(w, "hashchange", pageview);

// Window scroll events cannot be cancelled, so this listener never delays scrolling.
on(w, "scroll", measureScroll);
on(d, "visibilitychange", () => (d.hidden ? flush() : (visibleSince = now())));

on(
  d,
  "click",
  (event) => {
    const target = event.target as HTMLElement;
    // A form's goal is its submission, below.
    const goal = target.closest<HTMLElement>("[data-goal]:not(form)");
    if (goal) send(goal.dataset.goal as string, goalProps(goal));
    const link = target.closest("a");
    const props = { props: { url: link?.href as string } };
    // Files people download: documents, archives, installers, media.
    if (link && /\.(pdf|docx?|xlsx?|pptx?|zip|dmg|exe|mp[34])$/i.test(link.pathname)) send("File Download", props);
    // mailto:, tel: and javascript: links have no host.
    else if (link?.host && link.host != loc.host) send("Outbound Link: Click", props);
  },
  true,
);
on(
  d,
  "submit",
  (event) => {
    const form = event.target as HTMLFormElement;
    send(form.dataset.goal || "Form: Submission", goalProps(form));
  },
  true,
);

// The JS API is stepwise.track(name, { props, revenue }). Calls made before this script loaded
// wait in stepwise.q (README snippet); they are sent after the first pageview.
const queued = w.stepwise?.q || [];
w.stepwise = { track: send };
pageview();
for (const call of queued) send(...(call as unknown as [string, TrackOptions?]));
