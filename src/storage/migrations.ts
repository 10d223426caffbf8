import { minorUnitDigits } from "../domain/ingest/money";
import type { SegmentCount, SegmentFilter, SegmentKind } from "../domain/visitors/segment-rollup";
import { PACKED_TABLES } from "./counter-tables";
import { DayBuckets } from "./day-buckets";
import { type CounterAddition, PackedCounters, packedTableSql, packedViewWithQuietDaysSql } from "./packed-counters";
import { packRows } from "./packed-rows";
import { segmentEntry, writeSegmentDay } from "./segment-days";

/**
 * Schema of a site's Durable Object, append-only: a deployed object runs every migration it has
 * not run yet, in order, once. Never edit a shipped entry; add a new one.
 *
 * Tables are WITHOUT ROWID with no secondary index: each upsert then writes exactly one row,
 * and rows written are what Durable Object storage bills.
 */
type Migration = string | ((sql: SqlStorage) => void);

const MIGRATIONS: readonly Migration[] = [
  `CREATE TABLE IF NOT EXISTS salts (
     day INTEGER PRIMARY KEY,
     salt BLOB NOT NULL
   );
   -- One row per visitor per local day of the site, keyed by the day's hash; deleted with the salt (48 h).
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
  // Settings the object needs without a hit in hand: `time_zone`, for the alarm at local midnight.
  `CREATE TABLE IF NOT EXISTS site_settings (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) WITHOUT ROWID;`,
  // Distinct values per local day of each capped dimension (domain/ingest/value-caps.ts).
  `CREATE TABLE IF NOT EXISTS day_values (
     day INTEGER NOT NULL,
     dimension TEXT NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (day, dimension, value)
   ) WITHOUT ROWID;`,
  // Revenue in the currency's minor unit instead of millionths, so sums stay exact up to 2^53
  // (domain/ingest/money.ts); millionths overflowed SQLite's 64-bit SUM at 9.2 trillion units.
  (sql) => {
    sql.exec("ALTER TABLE hourly_counters RENAME COLUMN revenue_micros TO revenue_minor");
    const currencies = sql.exec<{ currency: string }>("SELECT DISTINCT currency FROM hourly_counters WHERE currency != ''").toArray();
    for (const { currency } of currencies) {
      const perMinorUnit = 10 ** (6 - minorUnitDigits(currency));
      sql.exec(
        "UPDATE hourly_counters SET revenue_minor = CAST(ROUND(revenue_minor * 1.0 / ?) AS INTEGER) WHERE currency = ? AND revenue_minor != 0",
        perMinorUnit,
        currency,
      );
    }
  },
  // The write log (write-log.ts): one row per batch of hits, holding the batch's effects until a
  // checkpoint folds them into the tables above and deletes the row.
  `CREATE TABLE IF NOT EXISTS write_log (
     seq INTEGER PRIMARY KEY,
     body TEXT NOT NULL
   );`,
  // How far each part of the write log was folded ahead of the rest: reads fold the counters
  // alone ('counters'), so a replay after a restart must not apply those again.
  `CREATE TABLE IF NOT EXISTS write_log_folded (
     part TEXT PRIMARY KEY,
     seq INTEGER NOT NULL
   ) WITHOUT ROWID;`,
  // The added dimensions (domain/reports/dimensions.ts: browser, os, UTM medium/content/term,
  // region, city, entry and exit page, allow-listed properties) of closed days: per day and
  // dimension, the sums of the day's visitor-day contributions (domain/visitors/
  // dimension-contribution.ts), packed as JSON rows of [value, label, name, goal, class,
  // currency, ...sums] in parts of at most 60,000 characters, written when the day is rolled up.
  // Packed because a day has thousands of values (entry pages, cities): a row each would cost
  // more rows than the day's hits. Open days are summed in memory from their visitor rows.
  `CREATE TABLE IF NOT EXISTS dimension_days (
     day INTEGER NOT NULL,
     dimension TEXT NOT NULL,
     part INTEGER NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (day, dimension, part)
   ) WITHOUT ROWID;`,
  // Per-day pre-aggregates of closed local days (day-aggregates.ts), so that long unfiltered
  // reports read a few hundred rows a day instead of every hourly counter. `kind` is the hit's
  // kind (pageview, engagement, event) taken from its event name. Keyed by dimension first:
  // a report reads one dimension over a range of days.
  `CREATE TABLE IF NOT EXISTS day_dimensions (
     dimension TEXT NOT NULL,
     day INTEGER NOT NULL,
     value TEXT NOT NULL,
     kind TEXT NOT NULL,
     class TEXT NOT NULL,
     currency TEXT NOT NULL,
     hits INTEGER NOT NULL,
     visitors INTEGER NOT NULL,
     class_visitors INTEGER NOT NULL,
     revenue_minor INTEGER NOT NULL,
     scroll_depth_sum INTEGER NOT NULL,
     engaged_ms INTEGER NOT NULL,
     PRIMARY KEY (dimension, day, value, kind, class, currency)
   ) WITHOUT ROWID;
   CREATE TABLE IF NOT EXISTS day_totals (
     day INTEGER NOT NULL,
     kind TEXT NOT NULL,
     class TEXT NOT NULL,
     hits INTEGER NOT NULL,
     visitors INTEGER NOT NULL,
     hour_visitors INTEGER NOT NULL,
     class_visitors INTEGER NOT NULL,
     visits INTEGER NOT NULL,
     bounces INTEGER NOT NULL,
     visit_duration_ms INTEGER NOT NULL,
     PRIMARY KEY (day, kind, class)
   ) WITHOUT ROWID;
   -- A day is read from the two tables above only while it has a mark here.
   CREATE TABLE IF NOT EXISTS aggregated_days (
     day INTEGER PRIMARY KEY
   );`,
  // Segment roll-ups packed per day and membership (a page or goal), in parts of at most 60,000
  // characters: a day of thousands of pages made tens of thousands of segment_rollups rows (more
  // rows than the day's hits), and a membership filter reads only its own. Rows of the old table
  // move over, packed, and the table goes.
  (sql) => {
    sql.exec(`CREATE TABLE IF NOT EXISTS segment_days (
       day INTEGER NOT NULL,
       filter TEXT NOT NULL,
       value TEXT NOT NULL,
       part INTEGER NOT NULL,
       body TEXT NOT NULL,
       PRIMARY KEY (day, filter, value, part)
     ) WITHOUT ROWID`);
    const groups = new Map<string, { day: number; filter: string; value: string; rows: unknown[] }>();
    for (const row of sql.exec<Record<string, SqlStorageValue>>("SELECT * FROM segment_rollups")) {
      const id = `${row.day}\u001f${row.filter}\u001f${row.value}`;
      const group = groups.get(id) ?? { day: Number(row.day), filter: String(row.filter), value: String(row.value), rows: [] };
      groups.set(id, group);
      group.rows.push(segmentEntry(row));
    }
    for (const { day, filter, value, rows } of groups.values()) {
      packRows(rows).forEach((body, part) => {
        sql.exec("INSERT INTO segment_days (day, filter, value, part, body) VALUES (?, ?, ?, ?, ?)", day, filter, value, part, body);
      });
    }
    sql.exec("DROP TABLE segment_rollups");
  },
  // Counters packed per hour (packed-counters.ts): a few rows an hour instead of a row per key,
  // which on a realistic spread was a new row for most hits. Each table's rows move into parts
  // and the table becomes a view of the same name and columns, so reads are unchanged.
  (sql) => {
    const packed = new PackedCounters(sql);
    for (const { table, key, sums } of PACKED_TABLES) {
      sql.exec(`ALTER TABLE ${table} RENAME TO ${table}_unpacked`);
      sql.exec(packedTableSql(table));
      let hour: number | null = null;
      let additions: CounterAddition[] = [];
      const flush = () => {
        if (hour !== null && additions.length > 0) packed.add(table, hour, additions);
        additions = [];
      };
      for (const row of sql.exec(`SELECT hour, ${[...key, ...sums].join(", ")} FROM ${table}_unpacked ORDER BY hour`).raw()) {
        if (row[0] !== hour) {
          flush();
          hour = Number(row[0]);
        }
        additions.push({ key: row.slice(1, 1 + key.length), sums: row.slice(1 + key.length).map(Number) });
      }
      flush();
      sql.exec(`DROP TABLE ${table}_unpacked`);
    }
  },
  // Visitor-days and event ids packed per day into bucket rows (day-buckets.ts): a row per
  // visitor-day was a write at each checkpoint and a delete two days later. Stored rows move over.
  (sql) => {
    sql.exec(`CREATE TABLE IF NOT EXISTS day_buckets (
       kind TEXT NOT NULL,
       day INTEGER NOT NULL,
       bucket INTEGER NOT NULL,
       part INTEGER NOT NULL,
       -- The day's bucket count, the same in each of its rows.
       buckets INTEGER NOT NULL,
       body TEXT NOT NULL,
       PRIMARY KEY (kind, day, bucket, part)
     ) WITHOUT ROWID;`);
    const buckets = new DayBuckets(sql);
    for (const { vid, day, state } of sql.exec<{ vid: string; day: number; state: string }>(
      "SELECT vid, day, state FROM visitors ORDER BY day",
    )) {
      buckets.put("visitor", day, vid, JSON.parse(state));
    }
    for (const { id, day } of sql.exec<{ id: string; day: number }>("SELECT id, day FROM seen_events ORDER BY day"))
      buckets.put("event", day, id, 1);
    buckets.flush();
    sql.exec("DROP TABLE visitors");
    sql.exec("DROP TABLE seen_events");
    // The old tables' names and columns, as views, for inspecting a store with SQL.
    sql.exec(`CREATE VIEW visitors AS
       SELECT entry.key AS vid, buckets.day AS day, entry.value AS state
         FROM day_buckets AS buckets, json_each(buckets.body) AS entry WHERE buckets.kind = 'visitor';
     CREATE VIEW seen_events AS
       SELECT entry.key AS id, buckets.day AS day
         FROM day_buckets AS buckets, json_each(buckets.body) AS entry WHERE buckets.kind = 'event';`);
  },
  // Day aggregates per dimension packed per day (day-aggregates.ts): a day of thousands of pages
  // wrote thousands of day_dimensions rows at its close. The table's rows move into parts and a
  // view of the same name and columns unpacks them.
  (sql) => {
    sql.exec(`CREATE TABLE IF NOT EXISTS day_dimension_parts (
       dimension TEXT NOT NULL,
       day INTEGER NOT NULL,
       part INTEGER NOT NULL,
       body TEXT NOT NULL,
       PRIMARY KEY (dimension, day, part)
     ) WITHOUT ROWID`);
    const columns = DAY_DIMENSION_COLUMNS.join(", ");
    const groups = new Map<string, { dimension: string; day: number; entries: SqlStorageValue[][] }>();
    for (const row of sql.exec(`SELECT dimension, day, ${columns} FROM day_dimensions`).raw()) {
      const id = `${row[0]}\u001f${row[1]}`;
      const group = groups.get(id) ?? { dimension: String(row[0]), day: Number(row[1]), entries: [] };
      groups.set(id, group);
      group.entries.push(row.slice(2));
    }
    for (const { dimension, day, entries } of groups.values()) {
      packRows(entries).forEach((body, part) => {
        sql.exec("INSERT INTO day_dimension_parts (dimension, day, part, body) VALUES (?, ?, ?, ?)", dimension, day, part, body);
      });
    }
    sql.exec("DROP TABLE day_dimensions");
    sql.exec(`CREATE VIEW day_dimensions AS
       SELECT parts.dimension AS dimension, parts.day AS day, ${DAY_DIMENSION_COLUMNS.map((column, index) => `entry.value->>${index} AS ${column}`).join(", ")}
         FROM day_dimension_parts AS parts, json_each(parts.body) AS entry`);
  },
  // Segment counts packed per day, filter and a hash bucket of the value (segment-days.ts): a row
  // per page and day was more rows than the day's hits on a site of thousands of pages.
  (sql) => {
    sql.exec(`CREATE TABLE IF NOT EXISTS segment_day_parts (
       day INTEGER NOT NULL,
       filter TEXT NOT NULL,
       bucket INTEGER NOT NULL,
       part INTEGER NOT NULL,
       body TEXT NOT NULL,
       PRIMARY KEY (day, filter, bucket, part)
     ) WITHOUT ROWID`);
    const byDay = new Map<number, SegmentCount[]>();
    for (const { day, filter, value, body } of sql.exec<{ day: number; filter: string; value: string; body: string }>(
      "SELECT day, filter, value, body FROM segment_days",
    )) {
      const counts = byDay.get(day) ?? [];
      byDay.set(day, counts);
      for (const [kind, key, step, source, channel, campaign, country, device, variant, visitors] of JSON.parse(body) as [
        SegmentKind,
        string,
        number,
        string,
        string,
        string,
        string,
        string,
        string,
        number,
      ][]) {
        counts.push({
          filter: filter as SegmentFilter,
          value,
          kind,
          key,
          step,
          source,
          channel,
          campaign,
          country,
          device,
          variant,
          visitors,
        });
      }
    }
    for (const [day, counts] of byDay) writeSegmentDay(sql, day, counts);
    sql.exec("DROP TABLE segment_days");
  },
  // Blocks of 2^level closed days' aggregates (day-blocks.ts), for long reports. An object that
  // already has aggregated days builds them at its next day close (the setting below).
  (sql) => {
    sql.exec(`CREATE TABLE IF NOT EXISTS day_block_parts (
       level INTEGER NOT NULL,
       start_day INTEGER NOT NULL,
       dimension TEXT NOT NULL,
       part INTEGER NOT NULL,
       body TEXT NOT NULL,
       PRIMARY KEY (level, start_day, dimension, part)
     ) WITHOUT ROWID`);
    sql.exec(
      "INSERT OR REPLACE INTO site_settings (key, value) SELECT 'day_blocks_upgrade', '1' WHERE EXISTS (SELECT 1 FROM aggregated_days)",
    );
  },
  // Closed days' main counter entries again, column by column in binary parts of at most 60,000
  // bytes (day-columns.ts), so a filtered report skips the entries its filter rejects without
  // decoding them. Empty until days are written; a day without parts is read from its hours.
  // An object with aggregated days fills them in a few at each alarm (day-aggregates.ts).
  (sql) => {
    sql.exec(`CREATE TABLE IF NOT EXISTS day_column_parts (
       day INTEGER NOT NULL,
       part INTEGER NOT NULL,
       body BLOB NOT NULL,
       PRIMARY KEY (day, part)
     ) WITHOUT ROWID`);
    sql.exec(
      "INSERT OR REPLACE INTO site_settings (key, value) SELECT 'day_columns_backfill', '1' WHERE EXISTS (SELECT 1 FROM aggregated_days)",
    );
  },
  // A small day's dimensions share one day_dimension_parts row, dimension '*', each entry led by
  // its dimension (day-aggregates.ts): the view reads both forms.
  (sql) => {
    const columns = DAY_DIMENSION_COLUMNS.map((column, index) => `entry.value->>(${index} + (parts.dimension = '*')) AS ${column}`);
    sql.exec(`DROP VIEW IF EXISTS day_dimensions;
     CREATE VIEW day_dimensions AS
       SELECT CASE parts.dimension WHEN '*' THEN entry.value->>0 ELSE parts.dimension END AS dimension, parts.day AS day,
              ${columns.join(", ")}
         FROM day_dimension_parts AS parts, json_each(parts.body) AS entry;`);
  },
  // Quiet days, each whole in one row (quiet-days.ts): the counter views and the visitor and
  // event id views read them too.
  (sql) => {
    sql.exec(`CREATE TABLE IF NOT EXISTS quiet_days (
       day INTEGER PRIMARY KEY,
       body TEXT NOT NULL
     ) WITHOUT ROWID`);
    for (const { table } of PACKED_TABLES) sql.exec(packedViewWithQuietDaysSql(table));
    sql.exec(`DROP VIEW IF EXISTS visitors;
     CREATE VIEW visitors AS
       SELECT entry.key AS vid, buckets.day AS day, entry.value AS state
         FROM day_buckets AS buckets, json_each(buckets.body) AS entry WHERE buckets.kind = 'visitor'
       UNION ALL
       SELECT entry.key AS vid, quiet.day AS day, entry.value AS state
         FROM quiet_days AS quiet, json_each(quiet.body, '$.visitor') AS entry;
     DROP VIEW IF EXISTS seen_events;
     CREATE VIEW seen_events AS
       SELECT entry.key AS id, buckets.day AS day
         FROM day_buckets AS buckets, json_each(buckets.body) AS entry WHERE buckets.kind = 'event'
       UNION ALL
       SELECT entry.key AS id, quiet.day AS day
         FROM quiet_days AS quiet, json_each(quiet.body, '$.event') AS entry;`);
  },
];

/** The columns of a day_dimensions entry after its dimension and day, in the order they are packed. */
const DAY_DIMENSION_COLUMNS = [
  "value",
  "kind",
  "class",
  "currency",
  "hits",
  "visitors",
  "class_visitors",
  "revenue_minor",
  "scroll_depth_sum",
  "engaged_ms",
];

/**
 * Brings the schema up to date; idempotent, so safe in every constructor. `upTo` stops at an
 * older version, for tests that load rows in an old layout and then upgrade them.
 */
export function migrate(sql: SqlStorage, upTo = MIGRATIONS.length): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)");
  const applied = sql.exec<{ version: number }>("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations").one().version;
  MIGRATIONS.forEach((statement, index) => {
    const version = index + 1;
    if (version <= applied || version > upTo) return;
    if (typeof statement === "string") sql.exec(statement);
    else statement(sql);
    sql.exec("INSERT INTO schema_migrations (version) VALUES (?)", version);
  });
}
