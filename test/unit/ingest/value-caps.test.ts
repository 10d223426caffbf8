import { describe, expect, it } from "vitest";
import { buildRecordedHit } from "../../../src/domain/ingest/recorded-hit";
import { type CappedDimension, capHitValues, OTHER_VALUE } from "../../../src/domain/ingest/value-caps";
import { compileSite, unconfiguredSite } from "../../../src/domain/site/site";
import { siteSchema } from "../../../src/schemas/site-config-schema";
import { incomingHit as incoming } from "../../support/incoming-hit";
import { requestContext } from "../../support/request-context";

const context = requestContext(Date.parse("2031-01-01T10:00:00Z"), { country: "LT" });
const admitNothing = () => false;
const admitAll = () => true;

describe("capHitValues", () => {
  const site = unconfiguredSite("caps.test");
  const hit = buildRecordedHit(
    site,
    incoming("Signed Petition", "https://caps.test/p/1?utm_source=x&utm_campaign=spring", { props: { variant: "B" } }),
    context,
  );

  it("keeps every value that is known or fits under its cap", () => {
    expect(capHitValues(hit, admitAll, false)).toEqual(hit);
  });

  it("counts values past their caps as (other), asking about each capped value once", () => {
    const asked: [CappedDimension, string][] = [];
    const capped = capHitValues(
      hit,
      (dimension, value) => {
        asked.push([dimension, value]);
        return false;
      },
      false,
    );
    expect(capped.page).toBe(OTHER_VALUE);
    expect(capped.name).toBe(OTHER_VALUE);
    expect(capped.attribution.source).toBe(OTHER_VALUE);
    expect(capped.attribution.campaign).toBe(OTHER_VALUE);
    expect(capped.variant).toBe(OTHER_VALUE);
    // Unchanged: what is bounded by nature or by the config.
    expect(capped.attribution.channel).toBe(hit.attribution.channel);
    expect(capped.attribution.country).toBe("LT");
    expect(capped.classification).toEqual(hit.classification);
    expect(asked.map(([dimension]) => dimension).sort()).toEqual(["campaign", "name", "page", "source", "variant"]);
  });

  it("never folds configured goals, their events, pageviews or built-in goals", () => {
    const shop = compileSite(
      siteSchema.parse({ id: "caps.test", goals: [{ name: "Donation", class: "macro", match: { event: "Donate" } }] }),
    );
    const donation = buildRecordedHit(
      shop,
      incoming("Donate", "https://caps.test/give", { revenue: { amount: 5, currency: "EUR" } }),
      context,
    );
    expect(capHitValues(donation, admitNothing, false)).toMatchObject({ name: "Donate", classification: { goal: "Donation" } });
    const view = buildRecordedHit(shop, incoming("pageview", "https://caps.test/"), context);
    expect(capHitValues(view, admitNothing, false).name).toBe("pageview");
    const cart = buildRecordedHit(shop, incoming("add_to_cart", "https://caps.test/"), context);
    expect(capHitValues(cart, admitNothing, false).classification.goal).toBe("add_to_cart");
  });

  it("folds a goal named after an unconfigured event with revenue", () => {
    const sale = buildRecordedHit(
      site,
      incoming("Sold Widget 77", "https://caps.test/", { revenue: { amount: 5, currency: "EUR" } }),
      context,
    );
    expect(sale.classification.goal).toBe("Sold Widget 77");
    expect(capHitValues(sale, admitNothing, false).classification.goal).toBe(OTHER_VALUE);
  });

  it("in coarse form (the day's rows at their cap) counts page, source and campaign as (other), known or not", () => {
    const coarse = capHitValues(hit, admitAll, true);
    expect([coarse.page, coarse.attribution.source, coarse.attribution.campaign]).toEqual([OTHER_VALUE, OTHER_VALUE, OTHER_VALUE]);
    expect(coarse.name).toBe("Signed Petition");
    expect(coarse.variant).toBe("B");
  });
});
