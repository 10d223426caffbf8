import type { Alerts, BreakdownRow, Funnels, Goal, Lift, Report, Sites, Variants } from "./answers";
import { ADMIN_KEY, ApiFailure, downloadCsv, getJson, type Query, saveCsv, session } from "./api";
import { timeChart } from "./chart";
import { append, fill, h } from "./dom";
import {
  countryName,
  formatChange,
  formatCount,
  formatDecimal,
  formatDuration,
  formatMoney,
  formatPercent,
  formatPoints,
  formatRevenue,
} from "./format";
import { type Column, dataTable, Panel, scroller } from "./panel";
import { customRangeProblem, type DayRange, intervalFor, PRESET_LABELS, PRESETS, type Preset, previousRange, todayIn } from "./ranges";
import { addedBreakdownRefusal, refusalText, segmentRefusal } from "./refusals";
import { differenceInterval, relativeChange, weightedAverage } from "./stats-math";
import {
  ADDED_FILTERS,
  FILTER_LABELS,
  type FilterKey,
  parseView,
  serializeView,
  type ViewState,
  viewRange,
  withFilter,
} from "./view-state";

/** Where the tab keeps a site's time zone once an answer said it. */
export const timeZoneKey = (site: string): string => `stepwise.timezone.${site}`;

/** Breakdowns of the API's added dimensions the dashboard shows, read in one extra report. */
const ADDED_PANELS = ["entry_page", "exit_page", "region", "browser", "os"] as const;
type AddedPanel = (typeof ADDED_PANELS)[number];

const DROP_REASONS: Record<string, string> = {
  bot: "Bots and automation",
  hostname_mismatch: "Pages on a host not of this site",
  do_not_track: "Do Not Track",
  global_privacy_control: "Global Privacy Control",
  rate_limited: "Over the rate limit",
};

const rate = (value: number | undefined): string => (value === undefined ? "–" : formatPercent(value));
const isAbort = (error: unknown): boolean => error instanceof DOMException && error.name === "AbortError";

/** One site's dashboard: its controls, its panels, and the requests that fill them for a view. */
export class SiteDashboard {
  private view: ViewState = parseView(location.search);
  private controller = new AbortController();
  private disposeChart: (() => void) | null = null;
  private readonly panels = new Map<string, Panel>();
  private readonly chips = h("div", { class: "chips", role: "group", "aria-label": "Filters" });
  private readonly rangeText = h("span", { class: "range-text", id: "range-text" });
  private readonly realtime = h("span", { class: "realtime", id: "realtime" }, "…");
  private readonly share = h("div", { class: "share", id: "share-box", hidden: true });
  private readonly rangeSelect = h("select", { id: "range" });
  private readonly fromInput = h("input", { type: "date", id: "from" });
  private readonly toInput = h("input", { type: "date", id: "to" });
  private readonly customError = h("span", { class: "error", role: "alert" });
  private readonly customBox = h("form", { class: "custom", id: "custom-range" });
  private today = "";
  private realtimeTimer: ReturnType<typeof setInterval> | undefined;
  private range: DayRange = { from: "", to: "" };

  constructor(
    private readonly root: HTMLElement,
    private readonly site: string,
    private timezone: string,
    private readonly access: "token" | "public",
    private readonly host: { signOut: () => void; refused: (error: unknown) => void },
  ) {}

  start(): void {
    document.title = `${this.site} · stepwise`;
    // The first requests leave before the page is built: the answers take longer than the building.
    const asked = this.askHeadline();
    this.build();
    window.addEventListener("popstate", () => {
      this.view = parseView(location.search);
      void this.load();
    });
    // Visitors right now once the first figures are in (the same object computes both).
    void this.load(asked).then(() => this.refreshRealtime());
    this.realtimeTimer = setInterval(() => void this.refreshRealtime(), 60_000);
    if (sessionStorage.getItem(ADMIN_KEY) === "1") this.root.querySelector("#all-sites")?.removeAttribute("hidden");
  }

  // ----- structure -----

  /** A panel whose CSV is an API answer (`api`: its path and query for the view's query) or made here (`save`). */
  private panel(
    id: string,
    title: string,
    csv: { api: (query: Query) => [string, Query] } | { save: () => void },
    options: { wide?: boolean; note?: string } = {},
  ): Panel {
    const panel = new Panel(id, title, {
      ...options,
      csv: "api" in csv ? () => downloadCsv(...csv.api(this.query())) : async () => csv.save(),
    });
    this.panels.set(id, panel);
    return panel;
  }

  private build(): void {
    const stats = `/api/stats/${this.site}`;
    const reportTable = (table: string) => ({
      api: (query: Query): [string, Query] => [stats, { ...query, interval: this.interval(), table }],
    });
    const endpoint = (path: string) => ({ api: (query: Query): [string, Query] => [`${stats}/${path}`, query] });

    for (const preset of PRESETS) this.rangeSelect.append(h("option", { value: preset }, PRESET_LABELS[preset]));
    this.rangeSelect.addEventListener("change", () => {
      const preset = this.rangeSelect.value as Preset;
      if (preset === "custom") {
        this.customBox.hidden = false;
        this.fromInput.value = this.range.from;
        this.toInput.value = this.range.to;
        this.fromInput.focus();
        return;
      }
      this.navigate({ ...this.view, preset, custom: null });
    });
    this.customBox.hidden = true;
    append(
      this.customBox,
      h("label", { for: "from" }, "From"),
      this.fromInput,
      h("label", { for: "to" }, "To"),
      this.toInput,
      h("button", { type: "submit" }, "Apply"),
      this.customError,
    );
    this.customBox.addEventListener("submit", (event) => {
      event.preventDefault();
      const problem = customRangeProblem(this.fromInput.value, this.toInput.value);
      this.customError.textContent = problem ?? "";
      if (problem === null)
        this.navigate({ ...this.view, preset: "custom", custom: { from: this.fromInput.value, to: this.toInput.value } });
    });

    const header = h(
      "header",
      { class: "top" },
      h(
        "div",
        { class: "title" },
        h("a", { class: "brand", href: "/dashboard/" }, h("span", { class: "logo", "aria-hidden": "true" }), "stepwise"),
        h("h1", {}, this.site),
        this.realtime,
      ),
      h(
        "nav",
        { class: "actions", "aria-label": "Dashboard" },
        h("a", { href: "/dashboard/", id: "all-sites", hidden: true }, "All sites"),
        h("button", { type: "button", id: "share", onclick: () => void this.showShare() }, "Share link"),
        this.access === "token"
          ? h("button", { type: "button", onclick: this.host.signOut }, "Sign out")
          : h("span", { class: "muted" }, "Public dashboard"),
      ),
    );
    const controls = h(
      "div",
      { class: "controls" },
      h("div", { class: "range" }, h("label", { for: "range" }, "Range"), this.rangeSelect, this.rangeText),
      this.customBox,
      this.share,
      this.chips,
    );

    const grid = h("main", { class: "grid", id: "panels" });
    const add = (panel: Panel) => grid.append(panel.section);
    add(this.panel("headline", "Overview", reportTable("timeseries"), { wide: true }));
    add(this.panel("chart", "Over time", reportTable("timeseries"), { wide: true }));
    add(this.panel("goals", "Goals", reportTable("goals"), { wide: true }));
    add(this.panel("funnels", "Funnels", endpoint("funnels"), { wide: true }));
    add(this.panel("channels", "Channels", reportTable("channel")));
    add(this.panel("sources", "Sources", reportTable("source")));
    add(this.panel("campaigns", "Campaigns", reportTable("campaign")));
    add(this.panel("pages", "Pages", reportTable("page")));
    add(this.panel("entry_page", "Entry pages", reportTable("entry_page")));
    add(this.panel("exit_page", "Exit pages", reportTable("exit_page")));
    add(this.panel("countries", "Countries", reportTable("country")));
    add(this.panel("region", "Regions", reportTable("region")));
    add(this.panel("devices", "Devices", reportTable("device")));
    add(this.panel("browser", "Browsers", reportTable("browser")));
    add(this.panel("os", "Operating systems", reportTable("os")));
    add(
      this.panel("engagement", "Engagement", reportTable("page"), {
        note: "Scroll depth and time on page: averages over the top pages, by pageviews.",
      }),
    );
    add(this.panel("variants", "A/B variants", endpoint("variants"), { wide: true }));
    add(this.panel("lift", "Micro-to-macro lift", endpoint("lift"), { wide: true }));
    add(this.panel("alerts", "Breakage alerts", { api: (): [string, Query] => [`${stats}/alerts`, { to: this.range.to }] }));
    // Drops are no table of the API's CSV: this one is written here, from the report's figures.
    add(
      this.panel("dropped", "Dropped hits", {
        save: () => saveCsv(`${this.site}-dropped-${this.range.from}-${this.range.to}.csv`, this.droppedRows),
      }),
    );

    fill(this.root, h("div", { class: "page" }, header, controls, grid));
  }

  // ----- state -----

  private navigate(view: ViewState): void {
    this.view = view;
    history.pushState(null, "", `${location.pathname}${serializeView(view)}`);
    this.share.hidden = true;
    void this.load();
  }

  private filter = (key: FilterKey, value: string): void => {
    this.navigate(withFilter(this.view, key, value));
    document.getElementById("chips-title")?.focus();
  };

  private interval(): "hour" | "day" {
    return this.view.filters.some(([key]) => ADDED_FILTERS.includes(key)) ? "day" : intervalFor(this.range);
  }

  private query(range: DayRange = this.range): Query {
    return { from: range.from, to: range.to, ...Object.fromEntries(this.view.filters) };
  }

  private async refreshRealtime(): Promise<void> {
    try {
      const { visitors } = await getJson<{ visitors: number }>(`/api/stats/${this.site}/realtime`);
      this.realtime.textContent = `${formatCount(visitors)} ${visitors === 1 ? "visitor" : "visitors"} now`;
    } catch {
      this.realtime.textContent = "";
    }
  }

  /**
   * An admin token reads every site and must not be shared; a read token is what a share link
   * carries. Which one the tab holds is asked once, when a link is wanted (the admin token lists
   * the sites, a read token is refused).
   */
  private async isAdmin(): Promise<boolean> {
    if (sessionStorage.getItem(ADMIN_KEY) === null) {
      const admin = await getJson<Sites>("/api/sites").then(
        () => true,
        () => false,
      );
      sessionStorage.setItem(ADMIN_KEY, admin ? "1" : "0");
    }
    return sessionStorage.getItem(ADMIN_KEY) === "1";
  }

  private async showShare(): Promise<void> {
    this.share.hidden = !this.share.hidden;
    if (this.share.hidden) return;
    const admin = this.access === "token" && (await this.isAdmin());
    const link = `${location.origin}${location.pathname}${location.search}`;
    const token = session.token();
    if (this.access === "public") {
      fill(
        this.share,
        h("p", {}, "This site's dashboard is public: the plain link opens it."),
        h("input", { readonly: true, value: link, "aria-label": "Link" }),
      );
    } else if (admin || token === null) {
      fill(
        this.share,
        h(
          "p",
          {},
          "You are signed in with the admin token, which reads every site and must not be shared. Give people a read token of this site (readTokenSha256 in stepwise.config.json, docs/configuration.md); its share link is this address followed by #token= and the token.",
        ),
      );
    } else {
      const shareLink = `${link}#token=${encodeURIComponent(token)}`;
      const input = h("input", { readonly: true, value: shareLink, id: "share-link", "aria-label": "Share link" });
      fill(
        this.share,
        h(
          "p",
          {},
          "Anyone with this link can read this site's reports, with the current range and filters, until its read token is removed from the config. The token is in the part after #, which never reaches a server.",
        ),
        input,
        h(
          "button",
          {
            type: "button",
            onclick: () => {
              input.select();
              navigator.clipboard?.writeText(shareLink).then(
                () => (input.title = "Copied"),
                () => undefined,
              );
            },
          },
          "Copy",
        ),
      );
    }
  }

  // ----- loading -----

  /**
   * Asks for the headline's two reports for the view (the first requests of a view, sent before
   * anything is drawn): the totals and timeseries, and the previous period's totals.
   */
  private askHeadline(): { signal: AbortSignal; report: Promise<Report>; previous: Promise<Report> } {
    this.controller.abort();
    this.controller = new AbortController();
    const signal = this.controller.signal;
    this.today = todayIn(this.timezone, Date.now());
    this.range = viewRange(this.view, this.today);
    const stats = `/api/stats/${this.site}`;
    const addedFilter = this.view.filters.find(([key]) => ADDED_FILTERS.includes(key))?.[0];
    // The headline and the chart need the totals, not the breakdowns: they come first with one
    // small breakdown that is exact under the filters, the breakdowns after them.
    const small = { breakdowns: addedFilter ?? "device", limit: 1 };
    return {
      signal,
      report: getJson<Report>(stats, { ...this.query(), interval: this.interval(), ...small }, signal),
      previous: getJson<Report>(stats, { ...this.query(previousRange(this.range)), interval: "day", ...small }, signal),
    };
  }

  /** Asks for every panel of the view; resolves once the headline's figures are in (or failed). */
  private load(asked = this.askHeadline()): Promise<unknown> {
    const { signal, report, previous } = asked;
    this.rangeSelect.value = this.view.preset;
    this.customBox.hidden = this.view.preset !== "custom";
    if (this.view.preset === "custom") {
      this.fromInput.value = this.range.from;
      this.toInput.value = this.range.to;
    }
    this.rangeText.textContent = `${this.range.from === this.range.to ? this.range.from : `${this.range.from} – ${this.range.to}`} · ${this.timezone}`;
    this.renderChips();
    for (const panel of this.panels.values()) panel.loading();
    this.disposeChart?.();
    this.disposeChart = null;
    const stats = `/api/stats/${this.site}`;
    const query = this.query();

    const settle = <T>(promise: Promise<T>, panels: string[], draw: (value: T) => void) => {
      promise.then(
        (value) => {
          if (!signal.aborted) draw(value);
        },
        (error: unknown) => {
          if (isAbort(error) || signal.aborted) return;
          for (const id of panels) this.panels.get(id)?.error(error);
        },
      );
    };

    settle(Promise.all([report, previous.catch(() => null)]), ["headline"], ([current, before]) => this.drawHeadline(current, before));
    // A site's reports are computed one after the other by its Durable Object: the rest is asked
    // for once the headline and the chart have their figures, so they come first.
    const first = Promise.allSettled([report, previous]);
    const later = <T>(ask: () => Promise<T>): Promise<T> => first.then(ask);
    report.then(
      (answer) => this.learnTimeZone(answer.range.timezone),
      (error: unknown) => {
        // The first answer that refuses the token sends the tab back to the sign-in.
        if (!signal.aborted && error instanceof ApiFailure && [401, 403, 404].includes(error.status)) {
          this.controller.abort();
          clearInterval(this.realtimeTimer);
          this.host.refused(error);
        }
      },
    );
    settle(report, ["chart", "goals", "dropped"], (current) => {
      this.drawChart(current);
      this.drawGoals(current.goals, current.totals.visitors);
      this.drawDropped(current.dropped);
    });
    // The main breakdowns exact under the filters (the API's default), with the page rows' engagement.
    settle(
      later(() => getJson<Report>(stats, { ...query, interval: "day", limit: 10 }, signal)),
      ["channels", "sources", "campaigns", "pages", "countries", "devices", "engagement"],
      (current) => this.drawBreakdowns(current),
    );
    const filterKeys = this.view.filters.map(([key]) => key);
    const shown = ADDED_PANELS.filter((dimension) => {
      const refusal = addedBreakdownRefusal(dimension, filterKeys);
      if (refusal !== null) this.panels.get(dimension)?.empty(refusalText(refusal));
      return refusal === null;
    });
    if (shown.length > 0) {
      // The added breakdowns the filters allow, in one report of their own.
      const added = later(() => getJson<Report>(stats, { ...query, interval: "day", breakdowns: shown.join(","), limit: 10 }, signal));
      for (const dimension of shown)
        settle(added, [dimension], (answer) => this.drawAdded(dimension, answer.breakdowns[dimension] ?? [], report));
    }
    const segment = <T>(endpoint: "funnels" | "variants" | "lift", draw: (answer: T) => void) => {
      const refusal = segmentRefusal(endpoint, filterKeys);
      if (refusal === null)
        settle(
          later(() => getJson<T>(`${stats}/${endpoint}`, query, signal)),
          [endpoint],
          draw,
        );
      else this.panels.get(endpoint)?.empty(refusalText(refusal));
    };
    segment<Funnels>("funnels", (answer) => this.drawFunnels(answer));
    segment<Variants>("variants", (answer) => this.drawVariants(answer));
    segment<Lift>("lift", (answer) => this.drawLift(answer));
    // Alerts are about the whole site on one day: the range's last day, without filters.
    settle(
      later(() => getJson<Alerts>(`${stats}/alerts`, { to: this.range.to }, signal)),
      ["alerts"],
      (answer) => this.drawAlerts(answer),
    );
    return first;
  }

  /** Keeps the site's time zone for this tab; a view whose days depended on a wrong guess is asked for again. */
  private learnTimeZone(timezone: string): void {
    sessionStorage.setItem(timeZoneKey(this.site), timezone);
    if (timezone === this.timezone) return;
    this.timezone = timezone;
    if (this.view.preset === "custom") this.rangeText.textContent = `${this.range.from} – ${this.range.to} · ${timezone}`;
    else void this.load();
  }

  // ----- drawing -----

  private renderChips(): void {
    fill(this.chips);
    if (this.view.filters.length === 0) {
      append(
        this.chips,
        h("span", { class: "muted", id: "chips-title", tabindex: -1 }, "No filters: click a row to filter the whole dashboard by it."),
      );
      return;
    }
    append(this.chips, h("span", { class: "muted", id: "chips-title", tabindex: -1 }, "Filtered by"));
    for (const [key, value] of this.view.filters) {
      const label = `${FILTER_LABELS[key]}: ${key === "country" ? countryName(value) : value}`;
      append(
        this.chips,
        h(
          "button",
          {
            type: "button",
            class: "chip",
            "data-filter": key,
            "aria-label": `Remove filter ${label}`,
            onclick: () => this.navigate(withFilter(this.view, key, null)),
          },
          label,
          h("span", { "aria-hidden": "true" }, " ×"),
        ),
      );
    }
    if (this.view.filters.length > 1) {
      append(
        this.chips,
        h("button", { type: "button", class: "link", onclick: () => this.navigate({ ...this.view, filters: [] }) }, "Clear all"),
      );
    }
  }

  private drawHeadline(report: Report, previous: Report | null): void {
    const panel = this.panels.get("headline");
    if (!panel) return;
    const { totals, conversions } = report;
    const card = (id: string, label: string, value: string, change: string | null, detail?: string) =>
      h(
        "div",
        { class: "figure", "data-figure": id },
        h("dt", {}, label),
        h(
          "dd",
          {},
          h("span", { class: "figure-value" }, value),
          detail ? h("span", { class: "figure-detail" }, detail) : null,
          h("span", { class: "figure-change" }, change ?? ""),
        ),
      );
    const versus = (current: number, before: number | undefined) =>
      before === undefined ? null : `${formatChange(relativeChange(current, before))} vs previous`;
    const points = (current: number, before: number | undefined) =>
      before === undefined ? null : `${formatPoints(current - before)} vs previous`;
    const p = previous;
    const currencies = [...new Set([...Object.keys(conversions.macro.revenue), ...Object.keys(p?.conversions.macro.revenue ?? {})])].sort();
    panel.show(
      h(
        "dl",
        { class: "figures" },
        card("visitors", "Visitors", formatCount(totals.visitors), versus(totals.visitors, p?.totals.visitors)),
        card("pageviews", "Pageviews", formatCount(totals.pageviews), versus(totals.pageviews, p?.totals.pageviews)),
        card(
          "micro",
          "Micro conversions",
          formatCount(conversions.micro.count),
          versus(conversions.micro.count, p?.conversions.micro.count),
          `${formatCount(conversions.micro.visitors)} converting visitors`,
        ),
        card(
          "micro-rate",
          "Micro conversion rate",
          formatPercent(conversions.micro.conversion_rate),
          points(conversions.micro.conversion_rate, p?.conversions.micro.conversion_rate),
        ),
        card(
          "macro",
          "Macro conversions",
          formatCount(conversions.macro.count),
          versus(conversions.macro.count, p?.conversions.macro.count),
          `${formatCount(conversions.macro.visitors)} converting visitors`,
        ),
        card(
          "macro-rate",
          "Macro conversion rate",
          formatPercent(conversions.macro.conversion_rate),
          points(conversions.macro.conversion_rate, p?.conversions.macro.conversion_rate),
        ),
        ...(currencies.length === 0
          ? [card("revenue", "Revenue", "–", null)]
          : currencies.map((currency) => {
              const amount = conversions.macro.revenue[currency] ?? 0;
              return card(
                `revenue-${currency}`,
                `Revenue ${currency}`,
                formatMoney(amount, currency),
                p ? versus(amount, p.conversions.macro.revenue[currency] ?? 0) : null,
              );
            })),
      ),
      p === null ? h("p", { class: "note" }, "The previous period could not be read, so changes are not shown.") : null,
    );
  }

  private drawBreakdowns(report: Report): void {
    const total = Math.max(1, report.totals.visitors);
    const share = (row: BreakdownRow) => row.visitors / total;
    const conversion: Column<BreakdownRow>[] = [
      { label: "Visitors", cell: (row) => formatCount(row.visitors) },
      { label: "Micro rate", cell: (row) => rate(row.micro?.conversion_rate) },
      { label: "Macro rate", cell: (row) => rate(row.macro?.conversion_rate) },
    ];
    const breakdown = (
      id: string,
      dimension: string,
      caption: string,
      key: FilterKey | null,
      columns = conversion,
      name = (row: BreakdownRow) => row.value,
    ) => {
      const panel = this.panels.get(id);
      if (!panel) return;
      const rows = report.breakdowns[dimension];
      if (rows === undefined) {
        panel.empty(
          "Not available with these filters: stepwise counts this breakdown together with the main filters only. Remove the filter to see it.",
        );
      } else if (rows.length === 0) {
        panel.empty("No visitors in this range.");
      } else {
        panel.show(
          scroller(
            caption,
            dataTable(caption, rows, name, columns, {
              filter: key === null ? undefined : (row) => [key, row.value],
              onFilter: this.filter,
              share,
            }),
          ),
        );
      }
    };
    breakdown("channels", "channel", "Channel", "channel");
    breakdown("sources", "source", "Source", "source");
    breakdown("campaigns", "campaign", "Campaign", null, [
      ...conversion,
      { label: "Revenue", cell: (row) => formatRevenue(row.macro?.revenue ?? {}) },
    ]);
    breakdown("pages", "page", "Page", "page", [
      { label: "Visitors", cell: (row) => formatCount(row.visitors) },
      { label: "Pageviews", cell: (row) => formatCount(row.pageviews ?? 0) },
      { label: "Scroll depth", cell: (row) => (row.scroll_depth == null ? "–" : `${Math.round(row.scroll_depth)}%`) },
      { label: "Time on page", cell: (row) => (row.engaged_s == null ? "–" : formatDuration(row.engaged_s)) },
      { label: "Macro rate", cell: (row) => rate(row.macro?.conversion_rate) },
    ]);
    breakdown("countries", "country", "Country", "country", conversion, (row) => countryName(row.value));
    breakdown("devices", "device", "Device", "device");
    this.drawEngagement(report);
  }

  private drawChart(report: Report): void {
    const panel = this.panels.get("chart");
    if (!panel) return;
    if (report.timeseries.every((point) => point.visitors === 0 && point.pageviews === 0 && point.micro === 0 && point.macro === 0)) {
      panel.empty("No traffic in this range yet.");
      return;
    }
    const chart = timeChart(report);
    this.disposeChart = chart.dispose;
    chart.element.setAttribute("role", "img");
    chart.element.setAttribute(
      "aria-label",
      `Visitors, pageviews, micro and macro conversions by ${report.range.interval} from ${report.range.from} to ${report.range.to}. The figures are in the CSV.`,
    );
    panel.show(chart.element);
  }

  private drawGoals(goals: Goal[], visitors: number): void {
    const panel = this.panels.get("goals");
    if (!panel) return;
    if (goals.length === 0) {
      panel.empty("No goal is configured or reached in this range. Goals are set in stepwise.config.json.");
      return;
    }
    const groups: [string, (goal: Goal) => boolean][] = [
      ["Macro conversions", (goal) => goal.class === "macro"],
      ["Micro conversions: milestones", (goal) => goal.class === "micro" && goal.stage !== "secondary"],
      ["Micro conversions: secondary", (goal) => goal.class === "micro" && goal.stage === "secondary"],
    ];
    const columns: Column<Goal>[] = [
      { label: "Conversions", cell: (goal) => formatCount(goal.count) },
      { label: "Converting visitors", cell: (goal) => formatCount(goal.visitors) },
      { label: "Rate", cell: (goal) => formatPercent(goal.conversion_rate) },
      { label: "Revenue", cell: (goal) => formatRevenue(goal.revenue) },
    ];
    panel.show(
      h(
        "div",
        { class: "goal-groups" },
        ...groups.map(([title, test]) => {
          const rows = goals.filter(test);
          return h(
            "div",
            { class: "goal-group" },
            h("h3", {}, title),
            rows.length === 0
              ? h("p", { class: "empty" }, "None configured.")
              : scroller(
                  title,
                  dataTable("Goal", rows, (goal) => goal.name, columns, {
                    filter: (goal) => ["goal", goal.name],
                    onFilter: this.filter,
                    share: (goal) => (visitors === 0 ? 0 : goal.visitors / visitors),
                  }),
                ),
          );
        }),
      ),
    );
  }

  private drawAdded(dimension: AddedPanel, rows: BreakdownRow[], report: Promise<Report>): void {
    const panel = this.panels.get(dimension);
    if (!panel) return;
    if (rows.length === 0) {
      panel.empty("No visitors in this range.");
      return;
    }
    const labels: Record<AddedPanel, string> = {
      entry_page: "Entry page",
      exit_page: "Exit page",
      region: "Region",
      browser: "Browser",
      os: "Operating system",
    };
    const columns: Column<BreakdownRow>[] =
      dimension === "exit_page"
        ? [
            { label: "Visitors", cell: (row) => formatCount(row.visitors) },
            { label: "Visits", cell: (row) => formatCount(row.visits ?? 0) },
          ]
        : dimension === "entry_page"
          ? [
              { label: "Visitors", cell: (row) => formatCount(row.visitors) },
              { label: "Bounce rate", cell: (row) => rate(row.bounce_rate) },
              { label: "Macro rate", cell: (row) => rate(row.macro?.conversion_rate) },
            ]
          : [
              { label: "Visitors", cell: (row) => formatCount(row.visitors) },
              { label: "Micro rate", cell: (row) => rate(row.micro?.conversion_rate) },
              { label: "Macro rate", cell: (row) => rate(row.macro?.conversion_rate) },
            ];
    const total = Math.max(1, ...rows.map((row) => row.visitors));
    const draw = (visitors: number) =>
      panel.show(
        scroller(
          labels[dimension],
          dataTable(
            labels[dimension],
            rows,
            (row) => (dimension === "region" && row.name ? `${row.name} (${row.value})` : row.value),
            columns,
            {
              // An exit page describes how visits end, not hits: it cannot filter (docs/api.md).
              filter: dimension === "exit_page" ? undefined : (row) => [dimension, row.value],
              onFilter: this.filter,
              share: (row) => row.visitors / Math.max(visitors, total),
            },
          ),
        ),
      );
    report.then(
      (answer) => draw(answer.totals.visitors),
      () => draw(total),
    );
  }

  private drawFunnels(answer: Funnels): void {
    const panel = this.panels.get("funnels");
    if (!panel) return;
    if (answer.funnels.length === 0) {
      panel.empty("No funnel is configured for this site. Funnels are set in stepwise.config.json (docs/configuration.md).");
      return;
    }
    panel.show(
      h(
        "div",
        { class: "funnels" },
        ...answer.funnels.map((funnel) => {
          const first = Math.max(1, funnel.steps[0]?.visitors ?? 0);
          return h(
            "figure",
            { class: "funnel", "data-funnel": funnel.name },
            h("figcaption", {}, funnel.name),
            h(
              "ol",
              {},
              ...funnel.steps.map((step, index) => {
                const bar = h("span", { class: "bar", "aria-hidden": "true" });
                bar.style.width = `${Math.round((step.visitors / first) * 100)}%`;
                return h(
                  "li",
                  { "data-step": index + 1 },
                  index > 0 && step.dropoff > 0
                    ? h("p", { class: "dropoff" }, `↓ ${formatCount(step.dropoff)} dropped off (${formatPercent(step.dropoff_rate)})`)
                    : null,
                  h(
                    "div",
                    { class: "step" },
                    bar,
                    h("span", { class: "step-name" }, `${index + 1}. ${step.name}`),
                    h("span", { class: "step-visitors" }, formatCount(step.visitors)),
                    h("span", { class: "step-rate" }, formatPercent(step.conversion_rate)),
                  ),
                );
              }),
            ),
          );
        }),
      ),
    );
  }

  private drawVariants(answer: Variants): void {
    const panel = this.panels.get("variants");
    if (!panel) return;
    if (answer.variants.length === 0) {
      panel.empty(`No A/B variants in this range. A hit's variant is its "${answer.variant_prop}" prop.`);
      return;
    }
    const visitors = new Map(answer.variants.map((variant) => [variant.variant, variant.visitors]));
    const table = dataTable(
      "Variant",
      answer.variants,
      (variant) => variant.variant,
      [
        { label: "Visitors", cell: (variant) => formatCount(variant.visitors) },
        ...[...new Set(answer.variants.flatMap((variant) => variant.goals.map((goal) => goal.name)))].slice(0, 4).map((name) => ({
          label: `${name} rate`,
          cell: (variant: Variants["variants"][number]) => rate(variant.goals.find((goal) => goal.name === name)?.conversion_rate ?? 0),
        })),
      ],
      { filter: (variant) => ["variant", variant.variant], onFilter: this.filter },
    );
    const verdicts = answer.comparisons.map((comparison) => {
      const interval = differenceInterval(
        comparison.rate_a,
        visitors.get(comparison.a) ?? 0,
        comparison.rate_b,
        visitors.get(comparison.b) ?? 0,
      );
      const lift = comparison.rate_a === 0 ? null : comparison.rate_b / comparison.rate_a - 1;
      const better = comparison.difference >= 0 ? comparison.b : comparison.a;
      const worse = better === comparison.b ? comparison.a : comparison.b;
      const words = comparison.significant
        ? `${better} converts better than ${worse} on ${comparison.goal}, and the difference is significant (p = ${comparison.p_value.toFixed(3)}): unlikely to be chance.`
        : `No significant difference between ${comparison.a} and ${comparison.b} on ${comparison.goal} yet (p = ${comparison.p_value.toFixed(3)}): the gap may be chance.`;
      return h(
        "li",
        { class: comparison.significant ? "significant" : "" },
        h(
          "strong",
          {},
          `${comparison.goal}: ${comparison.a} ${formatPercent(comparison.rate_a)} → ${comparison.b} ${formatPercent(comparison.rate_b)}`,
        ),
        ` (${formatPoints(comparison.difference)}${lift === null ? "" : `, lift ${formatChange(lift)}`}${interval ? `, 95% CI ${formatPoints(interval[0])} to ${formatPoints(interval[1])}` : ""}). `,
        words,
      );
    });
    panel.show(
      scroller("Variants", table),
      verdicts.length ? h("ul", { class: "verdicts" }, ...verdicts) : h("p", { class: "empty" }, "One variant only: nothing to compare."),
    );
  }

  private drawLift(answer: Lift): void {
    const panel = this.panels.get("lift");
    if (!panel) return;
    if (answer.lift.length === 0) {
      panel.empty("No micro goal was reached in this range.");
      return;
    }
    panel.show(
      scroller(
        "Micro-to-macro lift",
        dataTable(
          "Micro goal",
          answer.lift,
          (row) => `${row.goal} (${row.stage})`,
          [
            {
              label: "Macro rate if completed",
              cell: (row) => `${formatPercent(row.completed.macro_rate)} of ${formatCount(row.completed.visitors)}`,
            },
            {
              label: "Macro rate if not",
              cell: (row) => `${formatPercent(row.not_completed.macro_rate)} of ${formatCount(row.not_completed.visitors)}`,
            },
            { label: "Lift", cell: (row) => (row.lift === null ? "–" : `×${formatDecimal(row.lift)}`) },
          ],
          { filter: (row) => ["goal", row.goal], onFilter: this.filter },
        ),
      ),
      h(
        "p",
        { class: "note" },
        "Lift: how much more often visitors who completed the micro goal also converted on a macro goal. It shows what goes together, not what causes what.",
      ),
    );
  }

  private drawEngagement(report: Report): void {
    const panel = this.panels.get("engagement");
    if (!panel) return;
    const pages = report.breakdowns.page ?? [];
    const scroll = weightedAverage(pages.map((row) => ({ value: row.scroll_depth ?? null, weight: row.pageviews ?? 0 })));
    const engaged = weightedAverage(pages.map((row) => ({ value: row.engaged_s ?? null, weight: row.pageviews ?? 0 })));
    const { engagement } = report;
    if (engagement.visits === 0) {
      panel.empty("No visits in this range.");
      return;
    }
    const item = (id: string, label: string, value: string) =>
      h("div", { class: "figure small", "data-figure": id }, h("dt", {}, label), h("dd", {}, h("span", { class: "figure-value" }, value)));
    panel.show(
      h(
        "dl",
        { class: "figures" },
        item("visits", "Visits", formatCount(engagement.visits)),
        item("bounce-rate", "Bounce rate", formatPercent(engagement.bounce_rate)),
        item("visit-duration", "Visit duration", formatDuration(engagement.visit_duration_s)),
        item("pages-per-visit", "Pages per visit", formatDecimal(engagement.pages_per_visit)),
        item("scroll-depth", "Scroll depth", scroll === null ? "–" : `${Math.round(scroll)}%`),
        item("time-on-page", "Time on page", engaged === null ? "–" : formatDuration(engaged)),
      ),
    );
  }

  private drawAlerts(answer: Alerts): void {
    const panel = this.panels.get("alerts");
    if (!panel) return;
    if (answer.alerts.length === 0) {
      panel.show(
        h(
          "p",
          { class: "ok" },
          `Nothing broke on ${answer.date}: ${answer.goals.length} goal${answer.goals.length === 1 ? "" : "s"} checked against the same weekday of the last four weeks.`,
        ),
      );
      return;
    }
    panel.show(
      h(
        "ul",
        { class: "alerts" },
        ...answer.alerts.map((alert) =>
          h(
            "li",
            { class: "alert" },
            h("strong", {}, alert.alert === "stopped" ? `${alert.goal} stopped` : `${alert.goal} dropped`),
            `: ${formatCount(alert.today.converting_visitors)} converting visitors of ${formatCount(alert.today.visitors)} on ${answer.date}, where about ${formatDecimal(alert.expected)} were expected (p = ${alert.p_value.toPrecision(2)}). Check that the step still works.`,
          ),
        ),
      ),
    );
  }

  private droppedRows: [string, number][] = [];

  private drawDropped(dropped: Record<string, number>): void {
    const panel = this.panels.get("dropped");
    if (!panel) return;
    this.droppedRows = Object.entries(dropped);
    const rows = Object.entries(dropped).filter(([, count]) => count > 0);
    if (rows.length === 0) {
      panel.empty("Nothing was dropped in this range.");
      return;
    }
    panel.show(
      dataTable("Reason", rows, ([reason]) => DROP_REASONS[reason] ?? reason, [{ label: "Hits", cell: ([, count]) => formatCount(count) }]),
      h("p", { class: "note" }, 'Dropped hits are not counted anywhere else. Reasons: docs/api.md, "Dropped hits".'),
    );
  }
}
