import { describe, expect, it } from "vitest";
import { compileSite, hostnameBelongsToSite, isLocalHost, unconfiguredSite } from "../../../src/domain/site/site";
import { siteSchema } from "../../../src/schemas/site-config-schema";

const site = (settings: Record<string, unknown>) => compileSite(siteSchema.parse(settings));

describe("hostnameBelongsToSite without configured hostnames", () => {
  const shop = site({ id: "shop.example" });

  it("accepts the site id itself", () => {
    expect(hostnameBelongsToSite(shop, "shop.example")).toBe(true);
  });

  it("accepts subdomains of the site id", () => {
    expect(hostnameBelongsToSite(shop, "www.shop.example")).toBe(true);
    expect(hostnameBelongsToSite(shop, "eu.checkout.shop.example")).toBe(true);
  });

  it("ignores the case of the page's hostname", () => {
    expect(hostnameBelongsToSite(shop, "WWW.Shop.Example")).toBe(true);
  });

  it("rejects a look-alike host that only ends with the id's text", () => {
    expect(hostnameBelongsToSite(shop, "evilshop.example")).toBe(false);
  });

  it("rejects a host that only starts with the id", () => {
    expect(hostnameBelongsToSite(shop, "shop.example.attacker.test")).toBe(false);
  });

  it("rejects the parent domain and unrelated hosts", () => {
    expect(hostnameBelongsToSite(shop, "example")).toBe(false);
    expect(hostnameBelongsToSite(shop, "blog.example")).toBe(false);
  });

  it("applies the same default to an unconfigured site", () => {
    const blog = unconfiguredSite("blog.example");
    expect(hostnameBelongsToSite(blog, "www.blog.example")).toBe(true);
    expect(hostnameBelongsToSite(blog, "shop.example")).toBe(false);
  });
});

describe("hostnameBelongsToSite with configured hostnames", () => {
  const consulting = site({ id: "consulting.example", hostnames: ["consulting.example", "www.consulting.example"] });

  it("accepts the listed hostnames", () => {
    expect(hostnameBelongsToSite(consulting, "consulting.example")).toBe(true);
    expect(hostnameBelongsToSite(consulting, "www.consulting.example")).toBe(true);
  });

  it("rejects a subdomain that is not listed", () => {
    expect(hostnameBelongsToSite(consulting, "staging.consulting.example")).toBe(false);
  });

  it("accepts a listed hostname that is not under the site id", () => {
    const multi = site({ id: "brand.example", hostnames: ["brand-shop.example"] });
    expect(hostnameBelongsToSite(multi, "brand-shop.example")).toBe(true);
    expect(hostnameBelongsToSite(multi, "brand.example")).toBe(false);
  });

  it("matches listed hostnames written in upper case", () => {
    const upper = site({ id: "brand.example", hostnames: ["Brand.Example"] });
    expect(hostnameBelongsToSite(upper, "brand.example")).toBe(true);
  });

  describe("a *. wildcard", () => {
    const wildcard = site({ id: "shop.example", hostnames: ["*.shop.example"] });

    it("accepts any subdomain", () => {
      expect(hostnameBelongsToSite(wildcard, "www.shop.example")).toBe(true);
      expect(hostnameBelongsToSite(wildcard, "de.eu.shop.example")).toBe(true);
    });

    it("rejects a look-alike host that only ends with the domain's text", () => {
      expect(hostnameBelongsToSite(wildcard, "evilshop.example")).toBe(false);
    });

    it("rejects an unrelated host", () => {
      expect(hostnameBelongsToSite(wildcard, "shop.example.attacker.test")).toBe(false);
    });
  });
});

describe("isLocalHost", () => {
  it.each(["localhost", "127.0.0.1", "[::1]", "app.localhost"])("treats %s as local", (hostname) => {
    expect(isLocalHost(hostname)).toBe(true);
  });

  it.each(["shop.example", "localhost.example.com", "mylocalhost", "10.0.0.1"])("does not treat %s as local", (hostname) => {
    expect(isLocalHost(hostname)).toBe(false);
  });

  it("treats the hostname a URL gives for the IPv6 loopback as local", () => {
    expect(isLocalHost(new URL("http://[::1]:8787/").hostname)).toBe(true);
  });
});
