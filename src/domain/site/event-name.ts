/**
 * Canonical form of an event name for matching: lower case, letters and digits only.
 * "Outbound Link: Click", "outbound_link_click" and "outbound-link-click" all become
 * "outboundlinkclick", so trackers that spell names differently land on the same goal.
 */
export function canonicalEventName(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
}

/** The event name Plausible-compatible trackers send for a page load. */
export const PAGEVIEW_EVENT = "pageview";
/** The event name carrying scroll depth and engaged time for the page being left. */
export const ENGAGEMENT_EVENT = "engagement";
