/**
 * Removes e-mail addresses from text we are about to store (paths, campaign names, sources).
 * Sites do leak them, e.g. `/unsubscribe/jane@example.com` or `utm_campaign=jane%40example.com`;
 * the percent-encoded `@` is matched too. The domain must end in letters, so `pkg@4.17.21` stays.
 */
const EMAIL_LIKE = /[^\s/?#&=@]+(?:@|%40)(?:[\p{L}\p{N}_-]+\.)+\p{L}{2,63}(?![\p{L}\p{N}_-])/giu;

export const REDACTED = "(redacted)";

export function redactPersonal(text: string): string {
  return text.replace(EMAIL_LIKE, REDACTED);
}
