/** The minified tracker as a string (scripts/build-tracker.mjs). */
export function buildTracker(): Promise<string>;
