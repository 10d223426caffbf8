import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalEventName } from "../../../src/domain/site/event-name";

const word = fc.stringMatching(/^[A-Za-z0-9]{1,10}$/);
const separator = fc.constantFrom(" ", "_", "-", ": ", ".", "/", "  ", " - ");

describe("canonicalEventName", () => {
  it("gives the same name to different spellings of Outbound Link: Click", () => {
    const expected = "outboundlinkclick";
    expect(canonicalEventName("Outbound Link: Click")).toBe(expected);
    expect(canonicalEventName("outbound_link_click")).toBe(expected);
    expect(canonicalEventName("outbound-link-click")).toBe(expected);
    expect(canonicalEventName("OutboundLinkClick")).toBe(expected);
    expect(canonicalEventName("  OUTBOUND LINK CLICK  ")).toBe(expected);
  });

  it("keeps digits", () => {
    expect(canonicalEventName("Step 2: Shipping")).toBe("step2shipping");
  });

  it("keeps letters outside ASCII", () => {
    expect(canonicalEventName("Užsakymas Pateiktas")).toBe("užsakymaspateiktas");
    expect(canonicalEventName("Заказ_оформлен")).toBe("заказоформлен");
    expect(canonicalEventName("Tilaus-Valmis")).toBe("tilausvalmis");
  });

  it("reduces a name of separators only to the empty string", () => {
    expect(canonicalEventName(" _-: ")).toBe("");
  });

  it("ignores case and separators between words (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(word, separator), { minLength: 1, maxLength: 5 }), (parts) => {
        const spaced = parts.map(([text, sep]) => `${text}${sep}`).join("");
        const joined = parts.map(([text]) => text.toLowerCase()).join("");
        expect(canonicalEventName(spaced)).toBe(joined);
        expect(canonicalEventName(spaced.toUpperCase())).toBe(joined);
      }),
    );
  });

  it("is idempotent (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (name) => {
        const once = canonicalEventName(name);
        expect(canonicalEventName(once)).toBe(once);
      }),
    );
  });

  it("returns only lower-case letters and digits (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (name) => {
        const canonical = canonicalEventName(name);
        expect(canonical).toMatch(/^[\p{L}\p{N}]*$/u);
        expect(canonical.toLowerCase()).toBe(canonical);
      }),
    );
  });
});
