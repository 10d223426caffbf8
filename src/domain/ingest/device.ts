/**
 * Device class from a User-Agent: only the class is kept, never the string.
 * Three classes need no UA-parser library (which would add tens of KB to every hit's path):
 * the tablet and mobile markers below are the ones browsers have used for a decade.
 */
export type DeviceClass = "desktop" | "mobile" | "tablet";

export function deviceClass(userAgent: string): DeviceClass {
  if (/iPad|Tablet|PlayBook|Silk|Kindle|Nexus (7|9|10)|SM-T\d/i.test(userAgent)) return "tablet";
  // Android phones say "Mobile"; Android without it is a tablet.
  if (/Android/i.test(userAgent) && !/Mobile/i.test(userAgent)) return "tablet";
  if (/Mobi|iPhone|iPod|Android|Windows Phone|BlackBerry|Opera Mini/i.test(userAgent)) return "mobile";
  return "desktop";
}
