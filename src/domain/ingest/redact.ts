/**
 * The one redaction every stored string goes through (pages, entry and exit pages, sources, UTM
 * values, event names, variants, property values): personal data is removed before anything is
 * cut to length, so no half of an address survives a length cap.
 *
 * Sites leak personal data into what they send, and not always in plain sight: an address encoded
 * twice (`jane%2540example.com`), with a fullwidth at sign (`jane＠example.com`), with its `+`
 * decoded to a space (`jane doe@example.com`), a phone number in a path, an IP address in an event
 * name, a reset token in a hash route. So each value is first *revealed*: percent-decoded up to
 * three times and folded with Unicode NFKC (which turns fullwidth and other compatibility forms
 * into plain ones). What is looked for, in the revealed text:
 * - e-mail addresses (the domain must end in letters, so `pkg@4.17.21` stays);
 * - phone numbers written as phone numbers: a leading `+` and 7 to 15 digits, or 9 to 15 digits
 *   grouped by spaces, dots, dashes or brackets. Bare digit runs stay (they are product and order
 *   ids), unless their path segment or parameter name says phone, tel or mobile;
 * - IPv4 and IPv6 addresses;
 * - values of credential-like parameters (`token=`, `password=`, `api_key=`...).
 * A value that holds any of them is replaced whole by REDACTED (a path: the segment that holds
 * it), since the parts around an address are often a name: `jane doe@example.com`.
 */
export const REDACTED = "(redacted)";

const DECODE_ROUNDS = 3;

/** Percent-decoded up to three times (malformed escapes stay as sent), then NFKC-folded. */
export function reveal(text: string): string {
  let current = text;
  for (let round = 0; round < DECODE_ROUNDS; round++) {
    const next = current.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
    if (next === current) break;
    current = next;
  }
  return current.normalize("NFKC");
}

const EMAIL = /[^\s/?#&=@]+@(?:[\p{L}\p{N}_-]+\.)+\p{L}{2,63}(?![\p{L}\p{N}_-])/u;
const PHONE_INTERNATIONAL = /\+\d(?:[\s().-]{0,2}\d){6,14}(?!\d)/;
const PHONE_GROUPED = /(?<![\d.])\(?\d{1,5}\)?(?:[\s.-]{1,2}\(?\d{1,5}\)?){1,6}(?![\d.])/g;
const IPV4 = /(?<![\d.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\d.])/;
const IPV6 =
  /(?<![\p{L}\p{N}:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?|::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6}))(?![\p{L}\p{N}:])/iu;
const PHONE_NAME = /^(?:phone|phones|phone_?number|telephone|tel|mobile|mobile_?number|cell|cellphone)$/i;
/** `phone=4155552671`, `tel:4155552671`, `mobile-4155552671`. */
const NAMED_PHONE = /(?:^|[^\p{L}])(?:phone|phone_?number|telephone|tel|mobile|cell)\s*[=:_-]\s*\+?\d[\d\s().-]{5,}/iu;
const CREDENTIAL =
  /(?:^|[?&;#\s])(?:access_token|id_token|refresh_token|auth_token|token|api_?key|apikey|key|secret|client_secret|password|passwd|pwd|pass|auth|session|session_?id|sid|sig|signature|otp|code)=[^&#\s]+/i;

const digitCount = (text: string) => text.replace(/\D/g, "").length;

function hasGroupedPhone(text: string): boolean {
  for (const match of text.matchAll(PHONE_GROUPED)) {
    // A date (2026-11-29, and a time after it) is not a phone number.
    if (/^\d{4}-\d\d-\d\d/.test(match[0])) continue;
    const digits = digitCount(match[0]);
    if (digits >= 9 && digits <= 15) return true;
  }
  return false;
}

/** Whether revealed text holds personal data or a credential (see the module comment). */
export function holdsPersonalData(revealed: string): boolean {
  return (
    EMAIL.test(revealed) ||
    PHONE_INTERNATIONAL.test(revealed) ||
    hasGroupedPhone(revealed) ||
    NAMED_PHONE.test(revealed) ||
    IPV4.test(revealed) ||
    IPV6.test(revealed) ||
    CREDENTIAL.test(revealed)
  );
}

/** A label, name or parameter value as it may be stored: itself, or REDACTED whole. */
export function redactValue(text: string): string {
  return holdsPersonalData(reveal(text)) ? REDACTED : text;
}

/**
 * A path as it may be stored: each segment that holds personal data becomes REDACTED, and so does
 * a digit run whose preceding segment names a phone (`/phone/4155552671`).
 */
export function redactPath(path: string): string {
  const segments = path.split("/");
  let previous = "";
  return segments
    .map((segment) => {
      const revealed = reveal(segment);
      const afterPhoneName = PHONE_NAME.test(previous) && /^\+?[\d\s().-]{6,}$/.test(revealed);
      previous = revealed;
      return afterPhoneName || holdsPersonalData(revealed) ? REDACTED : segment;
    })
    .join("/");
}
