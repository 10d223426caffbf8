import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REDACTED, redactPath, redactValue, reveal } from "../../../src/domain/ingest/redact";

/** Plausible e-mail addresses: a dotted local part, a domain and a letters-only TLD. */
const emailAddress = fc
  .tuple(
    fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9._+-]{0,15}[a-zA-Z0-9])?$/),
    fc.array(fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?$/), { minLength: 1, maxLength: 3 }),
    fc.stringMatching(/^[a-zA-Z]{2,6}$/),
  )
  .map(([local, labels, tld]) => `${local}@${labels.join(".")}.${tld}`);

/** Ordinary labels: letters, spaces and a little punctuation, no digits, no @, no `=`. */
const plainLabel = fc.stringMatching(/^[A-Za-z][A-Za-z ,!_-]{0,40}$/);

/** The ways a marker reaches us: as is, percent-encoded once, twice or three times, fullwidth. */
function disguises(marker: string): string[] {
  const once = encodeURIComponent(marker);
  const twice = encodeURIComponent(once);
  return [
    marker,
    once,
    twice,
    encodeURIComponent(twice),
    marker.replace("@", "\uFF20"),
    marker.replace("@", "%40"),
    marker.replace("@", "%2540"),
    once.toLowerCase(),
  ];
}

describe("reveal", () => {
  it("decodes up to three times and folds fullwidth forms", () => {
    expect(reveal("jane%252540example.com")).toBe("jane@example.com");
    expect(reveal("jane\uFF20example.com")).toBe("jane@example.com");
    expect(reveal("100%")).toBe("100%");
    expect(reveal("%E0%A4%A")).toBe("%E0%A4%A");
  });
});

describe("redactValue: labels, names and parameter values", () => {
  it.each([
    ["an e-mail address", "jane@example.com"],
    ["an address whose + became a space", "jane doe@example.com"],
    ["an address encoded twice", "jane%2540example.com"],
    ["an address with a fullwidth at sign", "jane\uFF20example.com"],
    ["an address in a sentence", "Clicked unsubscribe for jane.doe@mail.example.co.uk today"],
    ["an international phone number", "+44 20 7946 0958"],
    ["a phone number in brackets and dashes", "(415) 555-2671"],
    ["a phone number with dots", "415.555.2671"],
    ["a named phone parameter", "phone=4155552671"],
    ["a tel: link", "tel:4155552671"],
    ["an IPv4 address", "Signup from 203.0.113.77"],
    ["an IPv6 address", "2001:db8::7777"],
    ["a full IPv6 address", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"],
    ["a token parameter", "/reset?token=SECRET123"],
    ["an API key parameter", "callback?api_key=abc&x=1"],
  ])("redacts %s whole", (_case, value) => {
    expect(redactValue(value)).toBe(REDACTED);
  });

  it.each([
    ["an event name", "Signup: Newsletter"],
    ["a product id", "order 4155552671"],
    ["a date and time", "Booked 2026-11-29 10:30"],
    ["a price", "Paid 1.299,00 EUR"],
    ["a version", "v1.2.3"],
    ["a package version", "lodash@4.17.21"],
    ["a lone at sign", "meet @ noon"],
    ["a time", "10:30:45"],
    ["a C++ name", "std::vector"],
  ])("keeps %s", (_case, value) => {
    expect(redactValue(value)).toBe(value);
  });

  it("keeps labels without personal data unchanged (property)", () => {
    fc.assert(
      fc.property(plainLabel, (label) => {
        expect(redactValue(label)).toBe(label);
      }),
    );
  });

  it("redacts any label holding an e-mail address, in any of its disguises (property)", () => {
    fc.assert(
      fc.property(plainLabel, emailAddress, plainLabel, (before, email, after) => {
        for (const disguised of disguises(email)) expect(redactValue(`${before} ${disguised} ${after}`)).toBe(REDACTED);
      }),
    );
  });
});

describe("redactPath: page paths", () => {
  it.each([
    ["/unsubscribe/jane@example.com", "/unsubscribe/(redacted)"],
    ["/u/jane.doe+news@mail.example.co.uk/settings", "/u/(redacted)/settings"],
    ["/unsubscribe/jane%2540example.com", "/unsubscribe/(redacted)"],
    ["/unsubscribe/jane%20doe@example.com", "/unsubscribe/(redacted)"],
    ["/u/jane\uFF20example.com", "/u/(redacted)"],
    ["/call/+1-415-555-2671", "/call/(redacted)"],
    ["/user/phone/4155552671", "/user/phone/(redacted)"],
    ["/contact/mobile/+37061234567/done", "/contact/mobile/(redacted)/done"],
    ["/devices/203.0.113.77/status", "/devices/(redacted)/status"],
    ["/peer/2001:db8::1", "/peer/(redacted)"],
  ])("redacts the segment of %s", (path, expected) => {
    expect(redactPath(path)).toBe(expected);
  });

  it.each(["/orders/4155552671", "/products/2026-11-29-sale", "/npm/lodash@4.17.21/files", "/@jane", "/blog/2026/11/29/post", "/"])(
    "keeps %s",
    (path) => {
      expect(redactPath(path)).toBe(path);
    },
  );

  it("redacts an e-mail address in any segment and disguise, keeping the other segments (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z-]{1,10}$/), { maxLength: 3 }), emailAddress, (segments, email) => {
        for (const disguised of disguises(email)) {
          const path = `/${[...segments, disguised].join("/")}/done`;
          expect(redactPath(path)).toBe(`/${[...segments, REDACTED].join("/")}/done`);
        }
      }),
    );
  });
});
