/**
 * Schema of a site's Durable Object, append-only: a deployed object runs every migration it has
 * not run yet, in order, once. Never edit a shipped entry; add a new one.
 *
 * Tables are WITHOUT ROWID with no secondary index: each upsert then writes exactly one row,
 * and rows written are what Durable Object storage bills.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS salts (
     day INTEGER PRIMARY KEY,
     salt BLOB NOT NULL
   );
   -- One row per visitor per UTC day, keyed by the day's hash; deleted with the salt (48 h).
   -- state is the JSON of domain/visit-tracker.ts VisitorDay minus vid and day.
   CREATE TABLE IF NOT EXISTS visitors (
     vid TEXT PRIMARY KEY,
     day INTEGER NOT NULL,
     state TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE IF NOT EXISTS hourly_counters (
     hour INTEGER NOT NULL,
     name TEXT NOT NULL,
     goal TEXT NOT NULL,
     class TEXT NOT NULL,
     page TEXT NOT NULL,
     source TEXT NOT NULL,
     channel TEXT NOT NULL,
     campaign TEXT NOT NULL,
     country TEXT NOT NULL,
     device TEXT NOT NULL,
     variant TEXT NOT NULL,
     currency TEXT NOT NULL,
     hits INTEGER NOT NULL,
     visitors INTEGER NOT NULL,
     hour_visitors INTEGER NOT NULL,
     page_visitors INTEGER NOT NULL,
     goal_visitors INTEGER NOT NULL,
     class_visitors INTEGER NOT NULL,
     variant_visitors INTEGER NOT NULL,
     visits INTEGER NOT NULL,
     bounces INTEGER NOT NULL,
     visit_duration_ms INTEGER NOT NULL,
     revenue_micros INTEGER NOT NULL,
     scroll_depth_sum INTEGER NOT NULL,
     engaged_ms INTEGER NOT NULL,
     PRIMARY KEY (hour, name, goal, class, page, source, channel, campaign, country, device, variant, currency)
   ) WITHOUT ROWID;
   -- Visitors who reached a funnel step (in order, within the window) for the first time that day.
   CREATE TABLE IF NOT EXISTS funnel_counters (
     hour INTEGER NOT NULL,
     funnel TEXT NOT NULL,
     step INTEGER NOT NULL,
     source TEXT NOT NULL,
     channel TEXT NOT NULL,
     campaign TEXT NOT NULL,
     country TEXT NOT NULL,
     device TEXT NOT NULL,
     variant TEXT NOT NULL,
     visitors INTEGER NOT NULL,
     PRIMARY KEY (hour, funnel, step, source, channel, campaign, country, device, variant)
   ) WITHOUT ROWID;
   -- Visitors who completed a micro goal and converted macro on the same day.
   CREATE TABLE IF NOT EXISTS lift_counters (
     hour INTEGER NOT NULL,
     goal TEXT NOT NULL,
     source TEXT NOT NULL,
     channel TEXT NOT NULL,
     campaign TEXT NOT NULL,
     country TEXT NOT NULL,
     device TEXT NOT NULL,
     variant TEXT NOT NULL,
     visitors INTEGER NOT NULL,
     PRIMARY KEY (hour, goal, source, channel, campaign, country, device, variant)
   ) WITHOUT ROWID;
   CREATE TABLE IF NOT EXISTS dropped_hits (
     hour INTEGER NOT NULL,
     reason TEXT NOT NULL,
     hits INTEGER NOT NULL,
     PRIMARY KEY (hour, reason)
   ) WITHOUT ROWID;`,
  // Day-close rollups of visitor-day rows, for funnels and lift inside page and goal filters
  // (domain/segment-rollup.ts). Counts only; no visitor id.
  `CREATE TABLE IF NOT EXISTS segment_rollups (
     day INTEGER NOT NULL,
     kind TEXT NOT NULL,
     key TEXT NOT NULL,
     step INTEGER NOT NULL,
     filter TEXT NOT NULL,
     value TEXT NOT NULL,
     source TEXT NOT NULL,
     channel TEXT NOT NULL,
     campaign TEXT NOT NULL,
     country TEXT NOT NULL,
     device TEXT NOT NULL,
     variant TEXT NOT NULL,
     visitors INTEGER NOT NULL,
     PRIMARY KEY (day, kind, key, step, filter, value, source, channel, campaign, country, device, variant)
   ) WITHOUT ROWID;
   CREATE TABLE IF NOT EXISTS rolled_up_days (
     day INTEGER PRIMARY KEY
   );`,
  // Client event ids of recorded hits, kept two days, so a retried hit is recorded once.
  `CREATE TABLE IF NOT EXISTS seen_events (
     id TEXT PRIMARY KEY,
     day INTEGER NOT NULL
   ) WITHOUT ROWID;`,
];

/** Brings the schema up to date; idempotent, so safe in every constructor. */
export function migrate(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)");
  const applied = sql.exec<{ version: number }>("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations").one().version;
  MIGRATIONS.forEach((statement, index) => {
    const version = index + 1;
    if (version <= applied) return;
    sql.exec(statement);
    sql.exec("INSERT INTO schema_migrations (version) VALUES (?)", version);
  });
}

/** Counter tables keyed by hour, with their key and sum columns, for folding old hours into days. */
export const HOURLY_TABLES = [
  {
    table: "hourly_counters",
    key: ["name", "goal", "class", "page", "source", "channel", "campaign", "country", "device", "variant", "currency"],
    sums: [
      "hits",
      "visitors",
      "hour_visitors",
      "page_visitors",
      "goal_visitors",
      "class_visitors",
      "variant_visitors",
      "visits",
      "bounces",
      "visit_duration_ms",
      "revenue_micros",
      "scroll_depth_sum",
      "engaged_ms",
    ],
  },
  {
    table: "funnel_counters",
    key: ["funnel", "step", "source", "channel", "campaign", "country", "device", "variant"],
    sums: ["visitors"],
  },
  { table: "lift_counters", key: ["goal", "source", "channel", "campaign", "country", "device", "variant"], sums: ["visitors"] },
  { table: "dropped_hits", key: ["reason"], sums: ["hits"] },
] as const;
