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
   CREATE TABLE IF NOT EXISTS visitors (
     vid TEXT PRIMARY KEY,
     day INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     last_hour INTEGER NOT NULL,
     source TEXT NOT NULL,
     channel TEXT NOT NULL,
     campaign TEXT NOT NULL,
     country TEXT NOT NULL,
     device TEXT NOT NULL,
     pages TEXT NOT NULL,
     goals TEXT NOT NULL,
     converted INTEGER NOT NULL
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
     currency TEXT NOT NULL,
     hits INTEGER NOT NULL,
     visitors INTEGER NOT NULL,
     hour_visitors INTEGER NOT NULL,
     page_visitors INTEGER NOT NULL,
     goal_visitors INTEGER NOT NULL,
     class_visitors INTEGER NOT NULL,
     revenue_micros INTEGER NOT NULL,
     scroll_depth_sum INTEGER NOT NULL,
     engaged_ms INTEGER NOT NULL,
     PRIMARY KEY (hour, name, goal, class, page, source, channel, campaign, country, device, currency)
   ) WITHOUT ROWID;
   CREATE TABLE IF NOT EXISTS dropped_hits (
     hour INTEGER NOT NULL,
     reason TEXT NOT NULL,
     hits INTEGER NOT NULL,
     PRIMARY KEY (hour, reason)
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
