import type { FilterTree, PlausibleMetric, PlausibleQueryBody } from "../../schemas/plausible-query-schema";
import { minorUnitDigits } from "../ingest/money";
import { isAddedDimension, type ReportBreakdown, scopeOf } from "../reports/dimensions";
import type { ConfiguredGoal, ReportRange, ReportRows } from "../reports/report";
import { breakdownProblem, filterProblem } from "../reports/report-exactness";
import type { ReportFilters } from "../reports/report-filter";
import { dayOfHour, firstHourOfDay, lastHourOfDay } from "../time/utc-time";
import {
  autoBucket,
  type DayRange,
  dayBucketLabel,
  echoDateRange,
  hourLabel,
  MAX_QUERY_DAYS,
  type ResolvedDateRange,
  resolveDateRange,
  timeLabels,
} from "./plausible-dates";
import {
  type CellDimension,
  CLASS_VALUES,
  type DimensionSource,
  dimensionSource,
  type SiteHostname,
  type TimeBucket,
} from "./plausible-dimensions";
import { compileFilters, type DimensionPredicate } from "./plausible-filters";
import { refuse } from "./query-error";

/**
 * The query engine behind Plausible's Stats API v2 and v1 (docs/plausible-api.md). Pure: it plans
 * a query into reads of the site's report rows (the same `readReport` the native report uses, so
 * shards are merged as there: storage/site-store-client.ts) and computes Plausible's metrics from
 * them.
 *
 * A read answers one "cell": exact values of stepwise's filters (main ones that cross each other,
 * or one added dimension with a goal; report-exactness.ts decides, and its reasons become the
 * 400s). A Plausible filter or dimension with several values becomes several cells whose figures
 * are summed. Hits (pageviews, events, conversions, revenue) add up exactly. Visitors add up
 * exactly over values that partition visitor-days (source, channel, country, device, browser,
 * os, UTM fields, region, city); over pages, properties, entry or exit pages and goals a visitor
 * with several of them counts once per value, so the sum is an upper bound: such figures are
 * flagged in `meta.metric_warnings` and `meta.estimated`, never passed off as exact.
 */
export interface ReportSource {
  readReport(range: ReportRange, filters: ReportFilters, limit: number, dimensions: readonly ReportBreakdown[]): Promise<ReportRows>;
}

export interface EngineSite {
  id: string;
  timeZone: string;
  properties: readonly string[];
  goals: readonly ConfiguredGoal[];
  /** The site's one hostname (`event:hostname`), or why it has none (plausible-dimensions.ts siteHostname). */
  hostname: SiteHostname;
}

export interface EngineContext {
  /** The site's local today (day number). */
  today: number;
  /** The first local day that still has hourly detail (older days are folded into their first hour). */
  hourlyFromDay: number;
}

/** Reads of the site's counters one query may make (each one per shard). */
export const MAX_READS = 100;
/** Breakdown rows asked for when every value is needed. */
const ALL_ROWS = 100_000;

const SESSION_METRICS = new Set<PlausibleMetric>(["visits", "bounce_rate", "visit_duration", "views_per_visit"]);
const RATE_METRICS = new Set<PlausibleMetric>(["conversion_rate", "group_conversion_rate"]);
const REVENUE_METRICS = new Set<PlausibleMetric>(["total_revenue", "average_revenue"]);
/** Metrics computed from unique visitors. */
const VISITOR_METRICS = new Set<PlausibleMetric>(["visitors", "percentage", "conversion_rate", "group_conversion_rate"]);

export interface ParsedQuery {
  body: PlausibleQueryBody;
  metrics: PlausibleMetric[];
  range: ResolvedDateRange;
  dimensions: DimensionSource[];
  predicates: Map<string, DimensionPredicate>;
  orderBy: [string, "asc" | "desc"][] | null;
  include: { time_labels: boolean; total_rows: boolean };
  pagination: { limit: number; offset: number };
}

/**
 * Checks a validated v2 query against what stepwise keeps and Plausible's own rules (a metric's
 * required filters, `order_by` naming a queried metric or dimension...); refuses the rest.
 */
export function parseQuery(body: PlausibleQueryBody, site: EngineSite, today: number): ParsedQuery {
  const metrics = body.metrics;
  if (new Set(metrics).size !== metrics.length) refuse("#/metrics: Expected items to be unique.");
  const names = body.dimensions ?? [];
  if (new Set(names).size !== names.length) refuse("#/dimensions: Expected items to be unique.");
  if (body.include?.imports === true) {
    refuse(
      "Imported data is not supported: stepwise has no imported stats, only what its collector counted. Ask without `include.imports`.",
    );
  }
  if (body.include?.comparisons !== undefined) refuse("`include.comparisons` is not supported: ask for each date_range on its own.");
  const range = resolveDateRange(body.date_range, today, site.timeZone);
  const dimensions = names.map((name) => dimensionSource(name, site.properties));
  const predicates = compileFilters(body.filters ?? []);
  if ((names.includes("event:hostname") || predicates.has("event:hostname")) && "refused" in site.hostname) {
    refuse(`\`event:hostname\` is not supported for this site: ${site.hostname.refused}`);
  }
  if (range.hours !== undefined) validateHourRange(range, metrics, dimensions, predicates, site);
  for (const dimension of predicates.keys()) {
    const source = dimensionSource(dimension, site.properties);
    if (source.kind === "time") refuse(`Invalid filters: \`${dimension}\` cannot be filtered; set date_range instead.`);
    if (source.kind === "cell" && source.filter === undefined) {
      refuse(
        `Filtering by \`${dimension}\` is not supported: stepwise keeps it as a breakdown only. Group by it with \`dimensions\` instead.`,
      );
    }
  }
  if (dimensions.filter((dimension) => dimension.kind === "time").length > 1) refuse("Invalid dimensions: at most one time dimension.");
  if (predicates.has("event:goal") && (predicates.has("event:class") || names.includes("event:class"))) {
    refuse("Filter by `event:goal` or by `event:class`, not both: a goal has one class.");
  }
  validateMetrics(metrics, names, predicates);
  if (names.includes("event:name") || predicates.has("event:name")) {
    const added = [...names, ...predicates.keys()].find((name) => {
      const source = dimensionSource(name, site.properties);
      return source.kind === "cell" && isAddedDimension(source.breakdown);
    });
    if (added !== undefined) {
      refuse(
        `\`event:name\` with \`${added}\` is not supported: event names are counted in the main counters, with pages, sources, channels, campaigns, countries, devices and goals, and \`${added}\` is counted on its own per day. Ask for one or the other.`,
      );
    }
  }
  const queried = new Set<string>([...metrics, ...names]);
  const orderBy = body.order_by ?? null;
  for (const entry of orderBy ?? []) {
    if (!queried.has(entry[0])) refuse(`Invalid order_by entry '${JSON.stringify(entry)}'. Entry is not a queried metric or dimension.`);
  }
  const timeLabels = body.include?.time_labels ?? false;
  if (timeLabels && !dimensions.some((dimension) => dimension.kind === "time"))
    refuse("Invalid include.time_labels: requires a time dimension.");
  return {
    body,
    metrics,
    range,
    dimensions,
    predicates,
    orderBy,
    include: { time_labels: timeLabels, total_rows: body.include?.total_rows ?? false },
    pagination: { limit: body.pagination?.limit ?? 10_000, offset: body.pagination?.offset ?? 0 },
  };
}

/**
 * A range of whole hours is read from the hourly counters, which keep hits per hour exactly and
 * visitors once per visitor-day and once per visitor-hour: so hits, conversions and revenue are
 * exact; unique visitors only per hour (an hour's visitors, under visitor-level filters); visits
 * (counted at their first hit, settled at later ones) and the per-day added dimensions not at all.
 */
function validateHourRange(
  range: DayRange,
  metrics: readonly PlausibleMetric[],
  dimensions: readonly DimensionSource[],
  predicates: Map<string, DimensionPredicate>,
  site: EngineSite,
): void {
  const hours = range.hours;
  if (hours === undefined) return;
  const session = metrics.filter((metric) => SESSION_METRICS.has(metric));
  if (session.length > 0) {
    refuse(
      `Session metric(s) \`${session.join(", ")}\` cannot be queried over a range of hours: stepwise counts a visit at its first hit and settles its bounce and duration at later ones, so visit figures do not split by the hour. Ask for whole days.`,
    );
  }
  const sources = [...dimensions, ...[...predicates.keys()].map((name) => dimensionSource(name, site.properties))];
  const added = sources.find((source) => source.kind === "cell" && isAddedDimension(source.breakdown));
  if (added !== undefined) {
    refuse(`\`${added.name}\` cannot be queried over a range of hours: stepwise counts it per local day. Ask for whole days.`);
  }
  const visitorMetric = metrics.find((metric) => VISITOR_METRICS.has(metric));
  if (visitorMetric === undefined) return;
  const oneHour = hours.fromHour === hours.toHour;
  const time = dimensions.find((dimension) => dimension.kind === "time");
  const bucket = time?.kind === "time" ? (time.bucket === "auto" ? autoBucket(range) : time.bucket) : null;
  if (!oneHour && (bucket !== "hour" || visitorMetric !== "visitors")) {
    refuse(
      `Metric \`${visitorMetric}\` over a range of several hours is not supported: stepwise counts unique visitors per local day and per local hour, and a visitor active in two of the hours would count twice. Ask for \`pageviews\` or \`events\`, for one hour, for \`visitors\` by \`time:hour\` (each hour's unique visitors), or for whole days.`,
    );
  }
  const hitLevel = sources.find(
    (source) => source.kind !== "time" && source.kind !== "hostname" && !(source.kind === "cell" && source.partition),
  );
  if (hitLevel !== undefined) {
    refuse(
      `Metric \`${visitorMetric}\` with \`${hitLevel.name}\` cannot be queried over a range of hours: stepwise counts those visitors at their first matching hit of the day, not in each hour. Visitors by the hour are kept for visitor-level dimensions (source, channel, campaign, country, device) only.`,
    );
  }
}

function validateMetrics(metrics: readonly PlausibleMetric[], dimensions: readonly string[], predicates: Map<string, DimensionPredicate>) {
  const goalish = ["event:goal", "event:class"].some((name) => dimensions.includes(name) || predicates.has(name));
  const hitScoped = (name: string) =>
    name === "event:page" || name === "event:goal" || name === "event:class" || name === "event:name" || name.startsWith("event:props:");
  if (dimensions.includes("event:name") || predicates.has("event:name")) {
    const visitorMetric = metrics.find((metric) => VISITOR_METRICS.has(metric));
    if (visitorMetric !== undefined) {
      refuse(
        `Metric \`${visitorMetric}\` cannot be queried with \`event:name\`: stepwise counts each visitor once a day and once per goal they reach, not once per event name, so it has no unique visitors of an event. Ask for \`events\` or \`pageviews\` (exact), or configure a goal for the event and ask for its visitors with \`event:goal\`.`,
      );
    }
  }
  for (const metric of metrics) {
    if (metric === "time_on_page" || metric === "exit_rate") {
      refuse(
        `Metric \`${metric}\` is not supported: stepwise keeps engaged time and scroll depth per page (\`scroll_depth\`), not the time between pageviews.`,
      );
    }
    if (RATE_METRICS.has(metric) && !goalish) refuse(`Metric \`${metric}\` can only be queried with event:goal filters or dimensions.`);
    if (metric === "percentage" && dimensions.length === 0) refuse("Metric `percentage` can only be queried with dimensions.");
    if (metric === "scroll_depth" && !dimensions.includes("event:page") && !predicates.has("event:page")) {
      refuse("Metric `scroll_depth` can only be queried with event:page filters or dimensions.");
    }
  }
  const session = metrics.filter((metric) => SESSION_METRICS.has(metric));
  if (session.length === 0) return;
  const list = session.join(", ");
  const eventDimension = dimensions.find(hitScoped);
  if (eventDimension !== undefined) {
    refuse(
      `Session metric(s) \`${list}\` cannot be queried along with event dimensions: stepwise files each visit under its visitor-day and its entry page, not under \`${eventDimension}\`. Use \`visit:entry_page\` for pages.`,
    );
  }
  const eventFilter = [...predicates.keys()].find(hitScoped);
  if (eventFilter !== undefined) {
    refuse(
      `Session metric(s) \`${list}\` cannot be queried with a filter on \`${eventFilter}\`: stepwise files each visit under its visitor-day and its entry page, not under every page or goal it had. Filter by \`visit:entry_page\` for pages.`,
    );
  }
  if ((dimensions.includes("visit:exit_page") || predicates.has("visit:exit_page")) && session.some((metric) => metric !== "visits")) {
    refuse(`Session metric(s) \`${list}\` are not kept per exit page: stepwise counts visitors and visits there only.`);
  }
}

/** Sums of one group of results. */
interface Tally {
  visitors: number;
  pageviews: number;
  events: number;
  visits: number;
  bounces: number;
  durationMs: number;
  visitPageviews: number;
  scrollReports: number;
  scrollSum: number;
  conversions: number;
  revenue: Map<string, number>;
  revenueConversions: number;
  /** Visitors were summed over several values that do not partition visitor-days. */
  estimated: boolean;
}

const emptyTally = (): Tally => ({
  visitors: 0,
  pageviews: 0,
  events: 0,
  visits: 0,
  bounces: 0,
  durationMs: 0,
  visitPageviews: 0,
  scrollReports: 0,
  scrollSum: 0,
  conversions: 0,
  revenue: new Map(),
  revenueConversions: 0,
  estimated: false,
});

function addTally(into: Tally, from: Tally, sign: number): void {
  into.visitors += sign * from.visitors;
  into.pageviews += sign * from.pageviews;
  into.events += sign * from.events;
  into.visits += sign * from.visits;
  into.bounces += sign * from.bounces;
  into.durationMs += sign * from.durationMs;
  into.visitPageviews += sign * from.visitPageviews;
  into.scrollReports += sign * from.scrollReports;
  into.scrollSum += sign * from.scrollSum;
  into.conversions += sign * from.conversions;
  into.revenueConversions += sign * from.revenueConversions;
  for (const [currency, minor] of from.revenue) into.revenue.set(currency, (into.revenue.get(currency) ?? 0) + sign * minor);
  into.estimated ||= from.estimated;
}

/** How a query's hits are selected beyond the cells: by goal (a cell filter) or by class (a selector on the class rows). */
interface Mode {
  /** Stored classes selected (`event:class` filter or group); null outside class mode. */
  classes: readonly string[] | null;
  /** A goal is among the cell filters. */
  goal: boolean;
}

/** One term of a filter dimension's expansion: a stored value (or none: the whole dimension) and its sign. */
interface Term {
  value: string | undefined;
  sign: number;
}

/** A cell: exact stepwise filters, and the sign its figures are added with. */
interface Cell {
  filters: ReportFilters;
  sign: number;
}

interface Evaluation {
  /** Group key (JSON of the shown dimension values) to its values and sums. */
  groups: Map<string, { values: string[]; tally: Tally }>;
  /** Visitors of the whole query were summed over values that do not partition visitor-days. */
  estimated: boolean;
}

interface Plan {
  range: DayRange;
  dimensions: DimensionSource[];
  predicates: Map<string, DimensionPredicate>;
  metrics: ReadonlySet<PlausibleMetric>;
}

const product = <T>(lists: readonly T[][]): T[][] =>
  lists.reduce<T[][]>((combos, list) => combos.flatMap((combo) => list.map((item) => [...combo, item])), [[]]);

/** Evaluates plans against a site's report rows: values of dimensions, cells, reads, sums. */
class Executor {
  private reads = 0;
  private valueRows: ReportRows | undefined;

  constructor(
    private readonly source: ReportSource,
    private readonly site: EngineSite,
    private readonly context: EngineContext,
    private readonly range: DayRange,
  ) {}

  private async read(range: ReportRange, filters: ReportFilters, limit: number, dimensions: ReportBreakdown[]): Promise<ReportRows> {
    this.reads++;
    return this.source.readReport(range, filters, limit, dimensions);
  }

  /** The values every dimension of the query has in its range: one unfiltered read of their breakdowns. */
  async loadValues(dimensions: readonly ReportBreakdown[]): Promise<void> {
    const wanted = [...new Set(dimensions)];
    this.valueRows = await this.read({ ...this.range, interval: "day" }, {}, ALL_ROWS, wanted);
  }

  /** Stored values of a dimension grouped by how Plausible shows them. */
  valuesOf(dimension: CellDimension): Map<string, string[]> {
    const byShown = new Map<string, string[]>();
    for (const row of this.valueRows?.breakdowns[dimension.breakdown]?.rows ?? []) {
      const shown = dimension.show(row.value, row.label);
      byShown.set(shown, [...(byShown.get(shown) ?? []), row.value]);
    }
    return byShown;
  }

  /** Goals of the site: configured ones and any other seen in range. */
  goalNames(): string[] {
    return [...new Set([...this.site.goals.map((goal) => goal.name), ...(this.valueRows?.goals ?? []).map((row) => row.goal)])];
  }

  /** Goals in a micro stage (`event:class` `milestone` or `secondary` selects them). */
  goalsOfClasses(classes: readonly string[]): string[] {
    const stored = new Set(classes);
    const configured = this.site.goals.filter((goal) =>
      stored.has(goal.class === "macro" ? "macro" : goal.stage === "secondary" ? "micro_secondary" : "micro_milestone"),
    );
    const seen = (this.valueRows?.goals ?? []).filter((row) => stored.has(row.class));
    return [...new Set([...configured.map((goal) => goal.name), ...seen.map((row) => row.goal)])];
  }

  checkBudget(reads: number): void {
    if (this.reads + reads > MAX_READS) {
      refuse(
        `This query needs ${reads} reads of the site's counters (one per combination of the values its filters and dimensions select), more than the ${MAX_READS} stepwise makes for one query. Narrow the filters or the date_range, or ask for fewer dimensions.`,
      );
    }
  }

  /** The rows of one read as Plausible's sums, whole range or per time bucket. */
  tallies(
    rows: ReportRows,
    mode: Mode,
    scrollPages: readonly string[] | null,
    bucket: TimeBucket | null,
    range: DayRange,
  ): Map<string, Tally> {
    const result = new Map<string, Tally>();
    if (bucket !== null && mode.classes === null) {
      for (const row of rows.buckets) {
        const label = bucket === "hour" ? hourLabel(row.hour, this.site.timeZone) : dayBucketLabel(dayOfHour(row.hour), bucket, range);
        if (label === null) continue;
        const tally = result.get(label) ?? emptyTally();
        result.set(label, tally);
        tally.visitors += bucket === "hour" ? row.hourVisitors : row.visitors;
        tally.pageviews += row.pageviews;
        tally.events += row.pageviews + row.events;
      }
      return result;
    }
    const tally = emptyTally();
    if (mode.classes !== null) {
      const selected = new Set(mode.classes);
      for (const row of rows.classes) {
        if (!selected.has(row.class)) continue;
        tally.visitors += row.classVisitors;
        tally.events += row.hits;
        tally.conversions += row.hits;
      }
    } else {
      for (const row of rows.buckets) {
        // Over a range of hours (one hour, validateHourRange): the hour's unique visitors.
        tally.visitors += range.hours === undefined ? row.visitors : row.hourVisitors;
        tally.pageviews += row.pageviews;
        tally.events += row.pageviews + row.events;
      }
      tally.conversions = rows.goals.reduce((sum, row) => sum + row.hits, 0);
    }
    tally.visits = rows.engagement.visits;
    tally.bounces = rows.engagement.bounces;
    tally.durationMs = rows.engagement.visitDurationMs;
    tally.visitPageviews = rows.engagement.pageviews;
    for (const row of rows.breakdowns.page?.engagement ?? []) {
      if (scrollPages?.includes(row.page)) {
        tally.scrollReports += row.reports;
        tally.scrollSum += row.scrollDepthSum;
      }
    }
    // Revenue: inside a goal, the goal's; in class mode or otherwise, macro goals' (revenue is a macro figure).
    const revenueGoals = new Set<string>();
    for (const row of rows.goalRevenue) {
      const [storedClass = "", goal = ""] = row.key.split("\u001f");
      if (!mode.goal && storedClass !== "macro") continue;
      if (mode.classes !== null && !mode.classes.includes(storedClass)) continue;
      tally.revenue.set(row.currency, (tally.revenue.get(row.currency) ?? 0) + row.minor);
      revenueGoals.add(goal);
    }
    tally.revenueConversions = rows.goals.filter((row) => revenueGoals.has(row.goal)).reduce((sum, row) => sum + row.hits, 0);
    result.set("", tally);
    return result;
  }

  /**
   * The cells of the filters: for each filtered dimension, its selected stored values. A
   * dimension that partitions visitor-days and has fewer excluded than selected values is
   * expanded as "all of it, minus each excluded value", which is exact for every figure and reads less.
   */
  filterTerms(dimension: CellDimension, predicate: DimensionPredicate): { terms: Term[]; selected: number } {
    if (dimension.identity && predicate.exactValues !== null) {
      return { terms: predicate.exactValues.map((value) => ({ value, sign: 1 })), selected: predicate.exactValues.length };
    }
    const selected: string[] = [];
    const excluded: string[] = [];
    for (const [shown, stored] of this.valuesOf(dimension)) (predicate.test(shown) ? selected : excluded).push(...stored);
    if (dimension.partition && excluded.length + 1 < selected.length) {
      return { terms: [{ value: undefined, sign: 1 }, ...excluded.map((value) => ({ value, sign: -1 }))], selected: selected.length };
    }
    return { terms: selected.map((value) => ({ value, sign: 1 })), selected: selected.length };
  }

  /** Evaluates a plan: its groups and their sums. */
  async evaluate(plan: Plan): Promise<Evaluation> {
    const timeDimension = plan.dimensions.find((dimension) => dimension.kind === "time");
    const bucket =
      timeDimension?.kind === "time" ? (timeDimension.bucket === "auto" ? autoBucket(plan.range) : timeDimension.bucket) : null;
    const groupDimensions = plan.dimensions.filter((dimension) => dimension.kind !== "time");
    const grouped = new Set(groupDimensions.map((dimension) => dimension.name));
    let estimated = false;

    // Class mode: `event:class` macro or micro select the class rows (exact); a lone micro stage selects its goals.
    let classes: string[] | null = null;
    const classPredicate = plan.predicates.get("event:class");
    let goalFilter: string[] | null = null;
    if (classPredicate !== undefined) {
      const chosen = Object.keys(CLASS_VALUES).filter((name) => classPredicate.test(name));
      const stored = [...new Set(chosen.flatMap((name) => CLASS_VALUES[name] ?? []))];
      const whole =
        chosen.includes("macro") || chosen.includes("micro") || (stored.includes("micro_milestone") && stored.includes("micro_secondary"));
      if (whole || grouped.has("event:class")) classes = stored;
      else goalFilter = this.goalsOfClasses(stored);
    }
    const goalPredicate = plan.predicates.get("event:goal");
    if (goalPredicate !== undefined)
      goalFilter = goalPredicate.exactValues ? [...goalPredicate.exactValues] : this.goalNames().filter(goalPredicate.test);

    // Filter cells: every filtered cell dimension not grouped by, and goals (unless grouped by goal).
    const termLists: { field: string; terms: Term[] }[] = [];
    for (const [name, predicate] of plan.predicates) {
      if (grouped.has(name) || name === "event:goal" || name === "event:class") continue;
      const dimension = dimensionSource(name, this.site.properties);
      if (dimension.kind !== "cell" || dimension.filter === undefined) continue;
      const { terms, selected } = this.filterTerms(dimension, predicate);
      if (!dimension.partition && selected > 1) estimated = true;
      termLists.push({ field: dimension.filter, terms });
    }
    if (goalFilter !== null && !grouped.has("event:goal")) {
      if (goalFilter.length > 1) estimated = true;
      termLists.push({ field: "goal", terms: goalFilter.map((value) => ({ value, sign: 1 })) });
    }
    const cells: Cell[] = product(termLists.map(({ field, terms }) => terms.map((term) => ({ field, term })))).map((combo) => ({
      filters: Object.fromEntries(combo.flatMap(({ field, term }) => (term.value === undefined ? [] : [[field, term.value]]))),
      sign: combo.reduce((sign, { term }) => sign * term.sign, 1),
    }));
    const mode: Mode = { classes, goal: goalFilter !== null };
    if ((classes !== null || grouped.has("event:class")) && plan.metrics.has("pageviews")) {
      refuse(
        "Metric `pageviews` is not kept per class: ask for `events` (the class's conversions), or filter by `event:goal` for a pageview goal.",
      );
    }
    const groups = new Map<string, { values: string[]; tally: Tally }>();
    const add = (values: string[], tally: Tally, sign: number) => {
      const key = JSON.stringify(values);
      const group = groups.get(key) ?? { values, tally: emptyTally() };
      groups.set(key, group);
      addTally(group.tally, tally, sign);
    };
    if (cells.length === 0) return { groups, estimated };

    const [only] = groupDimensions;
    const metrics = plan.metrics;
    const needsEvents = metrics.has("events") && !mode.goal && classes === null;
    const session = [...metrics].some((metric) => SESSION_METRICS.has(metric));
    // One breakdown read per cell gives every value's visitors, pageviews and conversions at once.
    // Breakdown rows count daily visitors: over a range of hours, visitors come from the hourly buckets instead.
    const hourlyVisitors = plan.range.hours !== undefined && [...metrics].some((metric) => VISITOR_METRICS.has(metric));
    if (
      bucket === null &&
      groupDimensions.length === 1 &&
      only?.kind === "cell" &&
      !needsEvents &&
      !hourlyVisitors &&
      (!session || hasVisits(only, mode))
    ) {
      return this.evaluateByBreakdown(plan, only, cells, mode, estimated);
    }
    // Goal rows keep conversions and converting visitors; pageviews of a goal come from its own cell.
    if (
      bucket === null &&
      groupDimensions.length === 1 &&
      only?.kind === "goal" &&
      classes === null &&
      !session &&
      !metrics.has("pageviews")
    ) {
      return this.evaluateByGoalRows(plan, cells, goalFilter, estimated);
    }

    // Otherwise one read per cell and combination of grouped values (and per period, for
    // figures not kept per time bucket).
    const groupValues = groupDimensions.map((dimension) => this.groupValuesOf(dimension, plan.predicates.get(dimension.name), goalFilter));
    for (const [index, dimension] of groupDimensions.entries()) {
      const values = groupValues[index] ?? [];
      if (dimension.kind === "cell" && !dimension.partition && values.some((value) => value.stored.length > 1)) estimated = true;
    }
    const combos = product(groupValues);
    const byBuckets = bucket !== null && classes === null && [...metrics].every((metric) => BUCKET_METRICS.has(metric));
    if (bucket === "hour" && !byBuckets) {
      refuse("By the hour stepwise keeps visitors, pageviews and events only: ask for these metrics, or for a longer time dimension.");
    }
    if (bucket === "hour" && plan.range.fromDay < this.context.hourlyFromDay) {
      refuse(
        `Hourly figures are kept for the last ${this.context.today - this.context.hourlyFromDay} days only; older days are kept whole. Ask for \`time:day\` or a later date_range.`,
      );
    }
    const periods: DayRange[] = bucket === null || byBuckets ? [plan.range] : periodsOf(plan.range, bucket as Exclude<TimeBucket, "hour">);
    const storedCombos = combos.flatMap((combo) =>
      product(combo.map((value) => value.stored.map((stored) => ({ ...value, one: stored })))),
    );
    this.checkBudget(cells.length * storedCombos.length * periods.length);
    const interval = bucket === "hour" ? "hour" : "day";
    const scroll = metrics.has("scroll_depth");
    const reads: Promise<void>[] = [];
    for (const combo of storedCombos) {
      const extra: ReportFilters = {};
      let comboMode = mode;
      for (const [index, value] of combo.entries()) {
        const dimension = groupDimensions[index];
        if (dimension?.kind === "cell" && dimension.filter !== undefined) extra[dimension.filter] = value.one;
        else if (dimension?.kind === "goal") {
          extra.goal = value.one;
          comboMode = { ...comboMode, goal: true };
        } else if (dimension?.kind === "class") comboMode = { ...comboMode, classes: CLASS_VALUES[value.one] ?? [] };
      }
      for (const cell of cells) {
        const filters = { ...cell.filters, ...extra };
        const problem = filterProblem("report", filters, interval);
        if (problem !== null) refuse(exactnessSentence(problem.message));
        const pages = scroll ? [filters.page ?? ""].filter((page) => page !== "") : null;
        for (const period of periods) {
          reads.push(
            this.read({ ...period, interval }, filters, scroll ? ALL_ROWS : 1, scroll ? ["page"] : []).then((rows) => {
              for (const [label, tally] of this.tallies(rows, comboMode, pages, byBuckets ? bucket : null, plan.range)) {
                const timeLabel = byBuckets
                  ? label
                  : bucket === null
                    ? ""
                    : dayBucketLabel(period.fromDay, bucket as Exclude<TimeBucket, "hour">, plan.range);
                add(
                  keyOf(
                    plan.dimensions,
                    combo.map((value) => value.shown),
                    timeLabel,
                  ),
                  tally,
                  cell.sign,
                );
              }
            }),
          );
        }
      }
    }
    await Promise.all(reads);
    return { groups, estimated };
  }

  /** The shown values of a grouped dimension (restricted by a filter on it), each with its stored values. */
  private groupValuesOf(
    dimension: DimensionSource,
    predicate: DimensionPredicate | undefined,
    goalFilter: readonly string[] | null,
  ): { shown: string; stored: string[] }[] {
    if (dimension.kind === "goal") {
      const names = goalFilter ?? this.goalNames();
      return names.map((name) => ({ shown: name, stored: [name] }));
    }
    if (dimension.kind === "class") {
      return ["macro", "micro"].filter((name) => predicate?.test(name) ?? true).map((name) => ({ shown: name, stored: [name] }));
    }
    if (dimension.kind !== "cell") return [];
    if (dimension.filter === undefined) {
      refuse(
        `Grouping \`${dimension.name}\` with these metrics or dimensions is not supported: stepwise keeps it as a breakdown of its own only.`,
      );
    }
    return [...this.valuesOf(dimension)].filter(([shown]) => predicate?.test(shown) ?? true).map(([shown, stored]) => ({ shown, stored }));
  }

  /** One breakdown read per cell: each row of the grouped dimension is a group. */
  private async evaluateByBreakdown(
    plan: Plan,
    dimension: CellDimension,
    cells: Cell[],
    mode: Mode,
    estimated: boolean,
  ): Promise<Evaluation> {
    this.checkBudget(cells.length);
    const predicate = plan.predicates.get(dimension.name);
    const groups = new Map<string, { values: string[]; tally: Tally }>();
    const merged = new Map<string, Set<string>>();
    await Promise.all(
      cells.map(async (cell) => {
        const problem = filterProblem("report", cell.filters, "day") ?? breakdownProblem(dimension.breakdown, cell.filters);
        if (problem !== null) refuse(exactnessSentence(problem.message));
        const rows = await this.read({ ...plan.range, interval: "day" }, cell.filters, ALL_ROWS, [dimension.breakdown]);
        const breakdown = rows.breakdowns[dimension.breakdown];
        const revenue = new Map<string, Map<string, number>>();
        for (const row of breakdown?.revenue ?? []) {
          const currencies = revenue.get(row.key) ?? new Map<string, number>();
          currencies.set(row.currency, (currencies.get(row.currency) ?? 0) + row.minor);
          revenue.set(row.key, currencies);
        }
        const engagement = new Map((breakdown?.engagement ?? []).map((row) => [row.page, row]));
        for (const row of breakdown?.rows ?? []) {
          const shown = dimension.show(row.value, row.label);
          if (predicate !== undefined && !predicate.test(shown)) continue;
          const tally = emptyTally();
          const macro = mode.classes === null || mode.classes.includes("macro");
          const micro = mode.classes === null || mode.classes.some((stored) => stored !== "macro");
          if (mode.classes !== null) {
            tally.visitors = (macro ? row.macroVisitors : 0) + (micro ? row.microVisitors : 0);
          } else tally.visitors = row.visitors;
          tally.pageviews = mode.classes === null ? row.pageviews : 0;
          tally.conversions = (macro ? row.macroHits : 0) + (micro ? row.microHits : 0);
          // Inside a goal or a class, events are the conversions (pageview goals included).
          tally.events = tally.conversions;
          tally.visits = row.visits ?? 0;
          tally.bounces = row.bounces ?? 0;
          tally.durationMs = row.visitDurationMs ?? 0;
          tally.visitPageviews = row.pageviews;
          const pageEngagement = engagement.get(row.value);
          tally.scrollReports = pageEngagement?.reports ?? 0;
          tally.scrollSum = pageEngagement?.scrollDepthSum ?? 0;
          if (macro) for (const [currency, minor] of revenue.get(row.value) ?? []) tally.revenue.set(currency, minor);
          tally.revenueConversions = tally.revenue.size > 0 ? row.macroHits : 0;
          const key = JSON.stringify([shown]);
          const group = groups.get(key) ?? { values: [shown], tally: emptyTally() };
          groups.set(key, group);
          addTally(group.tally, tally, cell.sign);
          const stored = merged.get(key) ?? new Set<string>();
          stored.add(row.value);
          merged.set(key, stored);
        }
      }),
    );
    // Two stored values shown as one (`(unknown)` and `(none)` as `(not set)`) add up like any two values.
    if (!dimension.partition) {
      for (const [key, stored] of merged) {
        const group = groups.get(key);
        if (group !== undefined && stored.size > 1) group.tally.estimated = true;
      }
    }
    return { groups, estimated };
  }

  /** One read per cell: each goal's conversions, converting visitors and revenue from its goal rows. */
  private async evaluateByGoalRows(
    plan: Plan,
    cells: Cell[],
    goalFilter: readonly string[] | null,
    estimated: boolean,
  ): Promise<Evaluation> {
    this.checkBudget(cells.length);
    const groups = new Map<string, { values: string[]; tally: Tally }>();
    const withoutGoal = cells.map((cell) => {
      const { goal: _goal, ...filters } = cell.filters;
      return { ...cell, filters };
    });
    await Promise.all(
      withoutGoal.map(async (cell) => {
        const problem = filterProblem("report", cell.filters, "day");
        if (problem !== null) refuse(exactnessSentence(problem.message));
        const rows = await this.read({ ...plan.range, interval: "day" }, cell.filters, 1, []);
        const names = goalFilter ?? this.goalNames();
        for (const name of names) {
          const tally = emptyTally();
          for (const row of rows.goals) {
            if (row.goal !== name) continue;
            tally.visitors += row.goalVisitors;
            tally.events += row.hits;
            tally.conversions += row.hits;
          }
          for (const row of rows.goalRevenue) {
            if (row.key.split("\u001f")[1] !== name) continue;
            tally.revenue.set(row.currency, (tally.revenue.get(row.currency) ?? 0) + row.minor);
          }
          tally.revenueConversions = tally.revenue.size > 0 ? tally.conversions : 0;
          const key = JSON.stringify([name]);
          const group = groups.get(key) ?? { values: [name], tally: emptyTally() };
          groups.set(key, group);
          addTally(group.tally, tally, cell.sign);
        }
      }),
    );
    return { groups, estimated };
  }
}

/** Metrics a read has per time bucket. */
const BUCKET_METRICS = new Set<PlausibleMetric>([
  "visitors",
  "pageviews",
  "events",
  "percentage",
  "conversion_rate",
  "group_conversion_rate",
]);

function hasVisits(dimension: CellDimension, mode: Mode): boolean {
  return isAddedDimension(dimension.breakdown) && scopeOf(dimension.breakdown) !== "hit" && !mode.goal && mode.classes === null;
}

/** The periods of a range, one per day, week or month bucket (clipped to the range). */
function periodsOf(range: DayRange, bucket: Exclude<TimeBucket, "hour">): DayRange[] {
  const periods: DayRange[] = [];
  for (let day = range.fromDay; day <= range.toDay; day++) {
    const last = periods.at(-1);
    if (last !== undefined && dayBucketLabel(day, bucket, range) === dayBucketLabel(last.fromDay, bucket, range)) last.toDay = day;
    else periods.push({ fromDay: day, toDay: day });
  }
  const hours = range.hours;
  if (hours === undefined) return periods;
  return periods.map((period) => ({
    ...period,
    hours: {
      fromHour: Math.max(firstHourOfDay(period.fromDay), hours.fromHour),
      toHour: Math.min(lastHourOfDay(period.toDay), hours.toHour),
    },
  }));
}

/** The group key's values in the order of the query's dimensions: the time label where the time dimension is. */
function keyOf(dimensions: readonly DimensionSource[], values: readonly string[], timeLabel: string): string[] {
  let next = 0;
  return dimensions.map((dimension) => (dimension.kind === "time" ? timeLabel : (values[next++] ?? "")));
}

/** report-exactness.ts words its reasons for the native API; here they become Plausible-style sentences. */
function exactnessSentence(reason: string): string {
  const text = reason
    .replace(/\bprops\.([^\s,:]+)/g, "event:props:$1")
    .replace(/\b(browser|os|utm_medium|utm_content|utm_term|region|city|entry_page|exit_page|country|device|source|channel)\b/g, "visit:$1")
    .replace(/\bcampaign\b/g, "visit:utm_campaign")
    .replace(/\bpage\b/g, "event:page")
    .replace(/\bgoal\b/g, "event:goal")
    .replace(/interval=day/g, "a time:day dimension");
  return `This combination is not supported, as stepwise does not count it exactly: ${text}.`;
}

/** A money value as Plausible answers it. */
export interface Money {
  value: number;
  currency: string;
  short: string;
  long: string;
}
export type MetricValue = number | Money | null;

export interface QueryMeta {
  time_labels?: string[];
  total_rows?: number;
  metric_warnings?: Record<string, { code: string; warning: string }>;
  estimated?: string[];
}

export interface QueryAnswer {
  results: { dimensions: string[]; metrics: MetricValue[] }[];
  meta: QueryMeta;
  query: {
    site_id: string;
    metrics: string[];
    date_range: [string, string];
    filters: FilterTree[];
    dimensions: string[];
    order_by: [string, "asc" | "desc"][];
    include: Record<string, unknown>;
    pagination: { offset: number; limit: number };
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const ratio = (numerator: number, denominator: number) => (denominator === 0 ? 0 : numerator / denominator);

function money(minor: number, currency: string): Money {
  const value = minor / 10 ** minorUnitDigits(currency);
  const format = (options: Intl.NumberFormatOptions) => {
    try {
      return new Intl.NumberFormat("en-US", { style: "currency", currency, ...options }).format(value);
    } catch {
      return `${value} ${currency}`;
    }
  };
  return { value, currency, short: format({ notation: "compact", maximumFractionDigits: 1 }), long: format({}) };
}

/** Drops `event:goal` and `event:class` from a plan: the visitors conversion rates are counted against. */
function withoutGoals(plan: Plan, keepDimensions: (dimension: DimensionSource) => boolean): Plan {
  const predicates = new Map([...plan.predicates].filter(([name]) => name !== "event:goal" && name !== "event:class"));
  return {
    ...plan,
    predicates,
    dimensions: plan.dimensions.filter((dimension) => dimension.kind !== "goal" && dimension.kind !== "class" && keepDimensions(dimension)),
    metrics: new Set<PlausibleMetric>(["visitors"]),
  };
}

/** Runs a parsed query against the site's report rows. */
export async function runQuery(query: ParsedQuery, site: EngineSite, source: ReportSource, context: EngineContext): Promise<QueryAnswer> {
  let range: DayRange = query.range;
  if (query.range.all) {
    // `all` starts on the first day with data (within the longest range a query may span).
    const fromDay = context.today - MAX_QUERY_DAYS + 1;
    const probe = await source.readReport({ fromDay, toDay: context.today, interval: "day" }, {}, 1, []);
    const first = probe.buckets.reduce((min, bucket) => Math.min(min, dayOfHour(bucket.hour)), context.today);
    range = { fromDay: first, toDay: context.today };
  }
  if (range.hours !== undefined && range.fromDay < context.hourlyFromDay) {
    refuse(
      `A date_range of hours is answered from the hourly figures, kept for the last ${context.today - context.hourlyFromDay} days only; older days are kept whole. Ask for whole days.`,
    );
  }
  const executor = new Executor(source, site, context, range);
  // Every counted hit is on the site's one hostname (parseQuery refused otherwise): a filter on
  // it keeps all or nothing, and as a dimension it is that one value, put back into each row.
  const hostname = "value" in site.hostname ? site.hostname.value : "";
  const hostnameIndex = query.dimensions.findIndex((dimension) => dimension.kind === "hostname");
  const hostnamePredicate = query.predicates.get("event:hostname");
  const nothing = hostnamePredicate !== undefined && !hostnamePredicate.test(hostname);
  const engineDimensions = query.dimensions.filter((dimension) => dimension.kind !== "hostname");
  const plan: Plan = {
    range,
    dimensions: engineDimensions,
    predicates: new Map([...query.predicates].filter(([name]) => name !== "event:hostname")),
    metrics: new Set(query.metrics),
  };

  // Values of every cell dimension the query filters or groups by, unless named exactly.
  const valueDimensions = new Set<ReportBreakdown>();
  for (const dimension of query.dimensions) if (dimension.kind === "cell") valueDimensions.add(dimension.breakdown);
  for (const [name, predicate] of query.predicates) {
    const dimension = dimensionSource(name, site.properties);
    if (dimension.kind === "cell" && !(dimension.identity && predicate.exactValues !== null)) valueDimensions.add(dimension.breakdown);
  }
  await executor.loadValues([...valueDimensions]);

  const main: Evaluation = nothing ? { groups: new Map(), estimated: false } : await executor.evaluate(plan);
  const timeIndex = query.dimensions.findIndex((dimension) => dimension.kind === "time");
  const withHostname = (values: string[]) =>
    hostnameIndex < 0 ? values : [...values.slice(0, hostnameIndex), hostname, ...values.slice(hostnameIndex)];
  const percentageBase = query.metrics.includes("percentage")
    ? await executor.evaluate({ ...plan, dimensions: [], metrics: new Set(["visitors"]) })
    : null;
  const rateBase = query.metrics.includes("conversion_rate") ? await executor.evaluate(withoutGoals(plan, (d) => d.kind === "time")) : null;
  const groupRateBase = query.metrics.includes("group_conversion_rate") ? await executor.evaluate(withoutGoals(plan, () => true)) : null;

  const estimatedMetrics = new Set<PlausibleMetric>();
  const warnings: Record<string, { code: string; warning: string }> = {};
  const visitorsOf = (evaluation: Evaluation | null, values: string[]) => evaluation?.groups.get(JSON.stringify(values))?.tally;
  const revenueRequested = query.metrics.some((metric) => REVENUE_METRICS.has(metric));
  const revenueScope =
    query.predicates.has("event:goal") ||
    query.dimensions.some((dimension) => dimension.kind === "goal") ||
    query.predicates.has("event:class") ||
    query.dimensions.some((dimension) => dimension.kind === "class");
  let revenueSeen = false;
  let mixedCurrencies = false;

  const rows: { dimensions: string[]; metrics: MetricValue[]; tally: Tally }[] = [];
  const groups = [...main.groups.values()];
  if (query.dimensions.length === 0 && groups.length === 0) groups.push({ values: [], tally: emptyTally() });
  for (const { values, tally } of groups) {
    const empty = tally.visitors === 0 && tally.events === 0 && tally.pageviews === 0 && tally.visits === 0 && tally.conversions === 0;
    if (empty && query.dimensions.length > 0) continue;
    const visitorsEstimated = main.estimated || tally.estimated;
    const reduced = (evaluation: Evaluation | null, keep: (dimension: DimensionSource) => boolean) =>
      visitorsOf(
        evaluation,
        values.filter((_, index) => {
          const dimension = engineDimensions[index];
          return dimension !== undefined && dimension.kind !== "goal" && dimension.kind !== "class" && keep(dimension);
        }),
      );
    const metrics = query.metrics.map((metric): MetricValue => {
      switch (metric) {
        case "visitors":
          if (visitorsEstimated) estimatedMetrics.add(metric);
          return tally.visitors;
        case "visits":
          return tally.visits;
        case "pageviews":
          return tally.pageviews;
        case "events":
          return tally.events;
        case "views_per_visit":
          return round(ratio(tally.visitPageviews, tally.visits), 2);
        case "bounce_rate":
          return Math.round(ratio(tally.bounces, tally.visits) * 100);
        case "visit_duration":
          return Math.round(ratio(tally.durationMs, tally.visits) / 1_000);
        case "scroll_depth":
          return tally.scrollReports === 0 ? null : Math.round(tally.scrollSum / tally.scrollReports);
        case "percentage": {
          const total = visitorsOf(percentageBase, []);
          if (visitorsEstimated || percentageBase?.estimated) estimatedMetrics.add(metric);
          return round(ratio(tally.visitors, total?.visitors ?? 0) * 100, 2);
        }
        case "conversion_rate": {
          const base = reduced(rateBase, (dimension) => dimension.kind === "time");
          if (visitorsEstimated || rateBase?.estimated) estimatedMetrics.add(metric);
          return round(ratio(tally.visitors, base?.visitors ?? 0) * 100, 2);
        }
        case "group_conversion_rate": {
          const base = reduced(groupRateBase, () => true);
          if (visitorsEstimated || groupRateBase?.estimated) estimatedMetrics.add(metric);
          return round(ratio(tally.visitors, base?.visitors ?? 0) * 100, 2);
        }
        case "total_revenue":
        case "average_revenue": {
          if (!revenueScope) return null;
          const currencies = [...tally.revenue].filter(([, minor]) => minor !== 0);
          if (currencies.length > 1) mixedCurrencies = true;
          const [only] = currencies;
          if (currencies.length !== 1 || only === undefined) return null;
          revenueSeen = true;
          const [currency, minor] = only;
          return metric === "total_revenue" ? money(minor, currency) : money(Math.round(ratio(minor, tally.revenueConversions)), currency);
        }
        default:
          return null;
      }
    });
    rows.push({ dimensions: withHostname(values), metrics, tally });
  }

  if (revenueRequested && !revenueSeen) {
    const warning = mixedCurrencies
      ? {
          code: "no_single_revenue_currency",
          warning: "Revenue metrics are null as there are multiple currencies for the selected event:goals.",
        }
      : { code: "no_revenue_goals_matching", warning: "Revenue metrics are null as there are no matching revenue goals." };
    for (const metric of query.metrics) if (REVENUE_METRICS.has(metric)) warnings[metric] = warning;
  } else if (mixedCurrencies) {
    for (const metric of query.metrics) {
      if (REVENUE_METRICS.has(metric)) {
        warnings[metric] = {
          code: "no_single_revenue_currency",
          warning: "Revenue metrics are null for rows whose goals carried several currencies.",
        };
      }
    }
  }
  for (const metric of estimatedMetrics) {
    warnings[metric] = {
      code: "estimated_upper_bound",
      warning:
        "Visitors are summed over several pages, goals, properties, entry or exit pages; a visitor with more than one of them counts once for each, so this is an upper bound, not an exact count.",
    };
  }

  // Order: as asked, else time ascending, then the first metric descending; ties by dimension values.
  const timeName = timeIndex < 0 ? null : query.body.dimensions?.[timeIndex];
  const orderBy: [string, "asc" | "desc"][] = query.orderBy ?? [
    ...(timeName ? [[timeName, "asc"] as [string, "asc"]] : []),
    [query.metrics[0] ?? "visitors", "desc"] as [string, "desc"],
  ];
  const columnOf = (name: string): ((row: (typeof rows)[number]) => string | number) => {
    const dimensionIndex = query.body.dimensions?.indexOf(name) ?? -1;
    if (dimensionIndex >= 0) return (row) => row.dimensions[dimensionIndex] ?? "";
    const metricIndex = query.metrics.indexOf(name as PlausibleMetric);
    return (row) => {
      const value = row.metrics[metricIndex];
      return value === null || value === undefined ? Number.NEGATIVE_INFINITY : typeof value === "number" ? value : value.value;
    };
  };
  const comparators = orderBy.map(([name, direction]) => ({ column: columnOf(name), sign: direction === "asc" ? 1 : -1 }));
  rows.sort((a, b) => {
    for (const { column, sign } of comparators) {
      const x = column(a);
      const y = column(b);
      if (x !== y) return (x < y ? -1 : 1) * sign;
    }
    const left = JSON.stringify(a.dimensions);
    const right = JSON.stringify(b.dimensions);
    return left < right ? -1 : left > right ? 1 : 0;
  });

  const meta: QueryMeta = {};
  if (query.include.time_labels) {
    const time = query.dimensions[timeIndex];
    const bucket = time?.kind === "time" ? (time.bucket === "auto" ? autoBucket(range) : time.bucket) : "day";
    meta.time_labels = timeLabels(range, bucket, site.timeZone);
  }
  if (query.include.total_rows) meta.total_rows = rows.length;
  if (Object.keys(warnings).length > 0) meta.metric_warnings = warnings;
  if (estimatedMetrics.size > 0) meta.estimated = [...estimatedMetrics];

  const { offset, limit } = query.pagination;
  return {
    results: rows.slice(offset, offset + limit).map(({ dimensions, metrics }) => ({ dimensions, metrics })),
    meta,
    query: {
      site_id: query.body.site_id,
      metrics: query.metrics,
      date_range: echoDateRange(range, site.timeZone),
      filters: query.body.filters ?? [],
      dimensions: query.body.dimensions ?? [],
      order_by: orderBy,
      include: query.body.include ?? {},
      pagination: { offset, limit },
    },
  };
}
