/**
 * Which shard of a site records a visitor's hits. A plain FNV-1a hash of site, IP and
 * User-Agent, modulo the shard count: the same person always lands on the same shard (so its
 * visitor-day row, and yesterday's, are where its next hit looks), and a shard number of a few
 * bits identifies no one. The daily salted visitor id is computed inside the shard, as before.
 */
export const MAX_SHARDS = 64;

export function shardFor(siteId: string, ip: string, userAgent: string, shards: number): number {
  if (shards <= 1) return 0;
  let hash = 0x811c9dc5;
  for (const char of `${siteId}\u001f${ip}\u001f${userAgent}`) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/** The Durable Object name of a shard: the site id itself for shard 0, so one shard is the site's object. */
export const shardName = (siteId: string, shard: number): string => (shard === 0 ? siteId : `${siteId}#${shard}`);
