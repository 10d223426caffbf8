/**
 * Removes e-mail addresses from text we are about to store (paths, campaign names, sources).
 * Sites do leak them, e.g. `/unsubscribe/jane@example.com` or `utm_campaign=jane%40example.com`;
 * the percent-encoded `@` is matched too.
 */
const EMAIL_LIKE = /[^\s/?#&=@]+(?:@|%40)[^\s/?#&=@]+\.[^\s/?#&=@]+/gi;

export const REDACTED = "(redacted)";

export function redactPersonal(text: string): string {
  return text.replace(EMAIL_LIKE, REDACTED);
}
