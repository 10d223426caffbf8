import type { Sites } from "./answers";
import { ADMIN_KEY, ApiFailure, getJson, session, takeTokenFromFragment } from "./api";
import { fill, h } from "./dom";
import { describeFailure } from "./panel";
import { SiteDashboard, timeZoneKey } from "./site-dashboard";
import { parseView } from "./view-state";

/**
 * The dashboard's entry: /dashboard/ signs in and lists the sites (admin token), /dashboard/:site
 * shows one site (admin token, its read token, a share link's token, or none for a public site).
 */
const root = document.getElementById("app") as HTMLElement;

/** A site id from the path, `/dashboard/shop.example`. */
function siteFromPath(): string | null {
  return /^\/dashboard\/([a-z0-9.-]{1,253})\/?$/.exec(location.pathname)?.[1] ?? null;
}

/** Any small valid report: its answer says the site's time zone, and that the token may read the site. */
const PROBE = { from: "2000-01-01", to: "2000-01-01", breakdowns: "device", limit: 1 };

function brand(): HTMLElement {
  return h("a", { class: "brand", href: "/dashboard/" }, h("span", { class: "logo", "aria-hidden": "true" }), "stepwise");
}

function signIn(site: string | null, message?: string): void {
  document.title = "Sign in · stepwise";
  const token = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", spellcheck: "false", required: true });
  const siteField =
    site === null
      ? h("input", { id: "site", name: "site", type: "text", autocomplete: "off", spellcheck: "false", placeholder: "shop.example" })
      : null;
  const form = h(
    "form",
    {
      class: "signin",
      onsubmit: (event: Event) => {
        event.preventDefault();
        session.signIn(token.value.trim());
        const chosen = siteField?.value.trim().toLowerCase() ?? "";
        if (chosen !== "") location.assign(`/dashboard/${encodeURIComponent(chosen)}`);
        else void boot();
      },
    },
    h("label", { for: "token" }, "Token"),
    token,
    siteField && h("label", { for: "site" }, "Site ", h("span", { class: "hint" }, "(for a site's read token)")),
    siteField,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  fill(
    root,
    h(
      "main",
      { class: "signin-page" },
      brand(),
      h("h1", {}, site === null ? "Sign in" : `Sign in to ${site}`),
      h(
        "p",
        { class: "muted" },
        site === null
          ? "The admin token shows every site; a site's read token shows that site. The token stays in this tab only."
          : "Use the admin token or this site's read token. The token stays in this tab only.",
      ),
      message ? h("p", { class: "error", role: "alert", id: "signin-error" }, message) : null,
      form,
    ),
  );
  token.focus();
}

function failurePage(error: unknown): void {
  fill(
    root,
    h(
      "main",
      { class: "signin-page" },
      brand(),
      h("h1", {}, "The dashboard could not load"),
      h("p", { class: "error", role: "alert" }, describeFailure(error)),
    ),
  );
}

async function showSites(): Promise<void> {
  if (session.token() === null) return signIn(null);
  fill(root, h("p", { class: "boot" }, "Loading the sites…"));
  try {
    const { sites } = await getJson<Sites>("/api/sites");
    sessionStorage.setItem(ADMIN_KEY, "1");
    document.title = "Sites · stepwise";
    fill(
      root,
      h(
        "main",
        { class: "signin-page" },
        h("div", { class: "row" }, brand(), h("button", { type: "button", class: "link", onclick: signOut }, "Sign out")),
        h("h1", {}, "Sites"),
        sites.length === 0
          ? h("p", { class: "empty" }, "No site is configured yet: add one to stepwise.config.json (docs/configuration.md).")
          : h(
              "ul",
              { class: "sites" },
              ...sites.map((site) =>
                h(
                  "li",
                  {},
                  h("a", { href: `/dashboard/${site.id}` }, site.id),
                  h("span", { class: "muted" }, ` ${site.timezone}${site.public ? " · public" : ""}`),
                ),
              ),
            ),
      ),
    );
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401) {
      session.signOut();
      return signIn(
        null,
        "That token is not the admin token, so it cannot list the sites. A site's read token opens its own site: enter the site with it.",
      );
    }
    failurePage(error);
  }
}

/** Back to the sign-in when a site's first answer refuses the tab's token (or, without one, asks for one). */
function refused(site: string, token: string | null, error: unknown): void {
  if (!(error instanceof ApiFailure) || ![401, 403, 404].includes(error.status)) failurePage(error);
  else if (error.status === 403) signIn(site, error.message);
  else if (token === null) error.status === 404 ? failurePage(error) : signIn(site);
  else
    signIn(
      site,
      error.status === 401
        ? `That token was not accepted: it is neither the admin token nor a read token of ${site}.`
        : `That token cannot read ${site}, or there is no such site.`,
    );
  if (token !== null && error instanceof ApiFailure && [401, 403, 404].includes(error.status)) session.signOut();
}

async function openSite(site: string): Promise<void> {
  fill(root, h("p", { class: "boot" }, `Loading ${site}…`));
  const token = session.token();
  // The page says whether the site is public (dashboard-route.ts); otherwise, without a token, there is nothing to ask yet.
  const isPublic = document.querySelector('meta[name="stepwise-access"]')?.getAttribute("content") === "public";
  if (token === null && !isPublic) return signIn(site);
  // The site's time zone decides what "today" is. Known from an earlier answer in this tab, or not
  // needed by a custom range, it is not asked for first (each answer says it, and corrects it).
  let timezone = sessionStorage.getItem(timeZoneKey(site));
  if (timezone === null && parseView(location.search).preset !== "custom") {
    try {
      timezone = (await getJson<{ range: { timezone: string } }>(`/api/stats/${site}`, PROBE)).range.timezone;
    } catch (error) {
      return refused(site, token, error);
    }
  }
  new SiteDashboard(root, site, timezone ?? "UTC", token === null ? "public" : "token", {
    signOut,
    refused: (error) => refused(site, token, error),
  }).start();
}

function signOut(): void {
  session.signOut();
  location.assign("/dashboard/");
}

async function boot(): Promise<void> {
  takeTokenFromFragment();
  const site = siteFromPath();
  await (site === null ? showSites() : openSite(site));
}

void boot();
