import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactPersonal } from "../../../src/domain/ingest/redact";

/** Plausible e-mail addresses: a dotted local part, a domain and a letters-only TLD. */
const emailAddress = fc
  .tuple(
    fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9._+-]{0,15}[a-zA-Z0-9])?$/),
    fc.array(fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?$/), { minLength: 1, maxLength: 3 }),
    fc.stringMatching(/^[a-zA-Z]{2,6}$/),
  )
  .map(([local, labels, tld]) => `${local}@${labels.join(".")}.${tld}`);

/** Text with no e-mail in it: no `@` and no percent-encoded `@`. */
const textWithoutEmail = fc.string({ unit: "grapheme", maxLength: 200 }).filter((text) => !text.includes("@") && !/%40/i.test(text));

describe("redactPersonal", () => {
  it("replaces an e-mail address in a path segment", () => {
    expect(redactPersonal("/unsubscribe/jane@example.com")).toBe("/unsubscribe/(redacted)");
  });

  it("replaces an e-mail address in the middle of a path and keeps the segments around it", () => {
    expect(redactPersonal("/u/jane.doe+news@mail.example.co.uk/settings")).toBe("/u/(redacted)/settings");
  });

  it("replaces a percent-encoded e-mail address", () => {
    expect(redactPersonal("/unsubscribe/jane%40example.com")).toBe("/unsubscribe/(redacted)");
  });

  it("replaces a percent-encoded e-mail address whatever the case of the domain", () => {
    expect(redactPersonal("JANE%40EXAMPLE.COM")).toBe("(redacted)");
  });

  it("replaces an e-mail address inside a query-like value and keeps the other parameters", () => {
    expect(redactPersonal("?email=jane@example.com&step=2")).toBe("?email=(redacted)&step=2");
  });

  it("replaces every e-mail address in a sentence", () => {
    expect(redactPersonal("from a.b@example.org to c%40d.example.net today")).toBe("from (redacted) to (redacted) today");
  });

  it("keeps a lone @ that is not part of an address", () => {
    expect(redactPersonal("/@jane")).toBe("/@jane");
    expect(redactPersonal("meet @ noon")).toBe("meet @ noon");
  });

  it("keeps a package version such as lodash@4.17.21, which is no e-mail address (no top-level domain is all digits)", () => {
    expect(redactPersonal("/npm/lodash@4.17.21/files")).toBe("/npm/lodash@4.17.21/files");
  });

  it("leaves text without e-mail addresses unchanged (property)", () => {
    fc.assert(
      fc.property(textWithoutEmail, (text) => {
        expect(redactPersonal(text)).toBe(text);
      }),
    );
  });

  it("removes an e-mail address wherever it stands in text (property)", () => {
    fc.assert(
      fc.property(
        textWithoutEmail,
        emailAddress,
        textWithoutEmail,
        fc.constantFrom(" ", "/", "?", "=", "&", "#"),
        (before, email, after, separator) => {
          const redacted = redactPersonal(`${before}${separator}${email}${separator}${after}`);
          expect(redacted).not.toContain(email);
          expect(redacted).not.toContain("@");
          expect(redacted).toBe(`${before}${separator}(redacted)${separator}${after}`);
        },
      ),
    );
  });

  it("removes a percent-encoded e-mail address wherever it stands in a path (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9-]{1,10}$/), { maxLength: 3 }), emailAddress, (segments, email) => {
        const encoded = email.replace("@", "%40");
        const path = `/${[...segments, encoded].join("/")}/done`;
        expect(redactPersonal(path)).toBe(`/${[...segments, "(redacted)"].join("/")}/done`);
      }),
    );
  });
});
