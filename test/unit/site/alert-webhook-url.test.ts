import { describe, expect, it } from "vitest";
import { loadSiteDirectory, SiteConfigError } from "../../../src/config/site-directory";
import { alertWebhookProblem } from "../../../src/domain/site/alert-webhook-url";

describe("a site's alertWebhook", () => {
  it.each([
    "https://hooks.example/stepwise",
    "https://hooks.example:8443/services/T000/B000/x?token=abc",
    "http://localhost:8787/alerts",
    "http://127.0.0.1:9000/",
    "http://[::1]:9000/alerts",
  ])("accepts %s", (url) => {
    expect(alertWebhookProblem(url)).toBeNull();
  });

  it.each([
    ["http://hooks.example/stepwise", /https URL/],
    ["http://10.0.0.5/alerts", /https URL/],
    ["ftp://hooks.example/", /https URL/],
    ["hooks.example/stepwise", /absolute URL/],
    ["/alerts", /absolute URL/],
    ["https://user:secret@hooks.example/", /user or password/],
  ])("refuses %s", (url, message) => {
    expect(alertWebhookProblem(url)).toMatch(message);
  });

  it("is checked by the config schema, naming the site", () => {
    const config = (alertWebhook: string) => ({ sites: [{ id: "shop.example", alertWebhook }] });
    expect(loadSiteDirectory(config("https://hooks.example/stepwise")).get("shop.example")?.alertWebhook).toBe(
      "https://hooks.example/stepwise",
    );
    expect(() => loadSiteDirectory(config("http://hooks.example/stepwise"))).toThrow(SiteConfigError);
    expect(() => loadSiteDirectory(config("http://hooks.example/stepwise"))).toThrow(
      /sites\[0\] "shop.example" > alertWebhook: alertWebhook must be an https URL/,
    );
  });

  it("is optional, and only sites that have one are listed for the alarm", () => {
    const directory = loadSiteDirectory({
      sites: [{ id: "quiet.example" }, { id: "watched.example", alertWebhook: "https://hooks.example/stepwise" }],
    });
    expect(directory.get("quiet.example")?.alertWebhook).toBeNull();
    expect(directory.sitesWithAlertWebhook.map((site) => site.id)).toEqual(["watched.example"]);
  });
});
