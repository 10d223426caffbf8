import { importSaltKey, newSalt } from "../domain/visitors/visitor-hash";
import type { QuietDays } from "./quiet-days";

/**
 * The `salts` table: one random salt per day, from which that day's visitor ids are made; a
 * quiet day's salt is in its `quiet_days` row instead (quiet-days.ts), written with the day's
 * first batch. Owns the table and a cache of imported HMAC keys. Deleting a salt
 * (`forgetBefore`, and QuietDays.forgetBefore) is what makes the day's visitor ids impossible to
 * recompute.
 */
export class VisitorSalts {
  private readonly keys = new Map<number, Promise<CryptoKey>>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly quiet?: QuietDays,
  ) {}

  /** The HMAC key of a day's salt if that salt exists (it never does for days already forgotten). */
  existing(day: number): Promise<CryptoKey> | null {
    const cached = this.keys.get(day);
    if (cached !== undefined) return cached;
    const salt = this.quiet?.holds(day)
      ? this.quiet.salt(day)
      : this.sql.exec<{ salt: ArrayBuffer }>("SELECT salt FROM salts WHERE day = ?", day).toArray()[0]?.salt;
    if (salt === undefined) return null;
    const key = importSaltKey(new Uint8Array(salt));
    this.keys.set(day, key);
    return key;
  }

  /**
   * Makes and stores a new salt for `day` (the caller checked that it has none); a quiet day's
   * is written by the next flush of the quiet days, with the batch hashed with it.
   */
  create(day: number): Promise<CryptoKey> {
    const salt = newSalt();
    if (this.quiet?.holds(day)) this.quiet.setSalt(day, salt);
    else this.storeInTable(day, salt);
    const key = importSaltKey(salt);
    this.keys.set(day, key);
    return key;
  }

  /** Writes a day's salt into the salts table (a new one, or a quiet day's moving there); returns the rows written. */
  storeInTable(day: number, salt: Uint8Array): number {
    return this.sql.exec("INSERT INTO salts (day, salt) VALUES (?, ?)", day, salt).rowsWritten;
  }

  /** Deletes the salts of days before `oldestKeptDay`, stored and cached. */
  forgetBefore(oldestKeptDay: number): void {
    this.sql.exec("DELETE FROM salts WHERE day < ?", oldestKeptDay);
    for (const day of this.keys.keys()) if (day < oldestKeptDay) this.keys.delete(day);
  }
}
