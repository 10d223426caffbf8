/**
 * IP addresses and ranges, for deciding who a client is (routes/ingest-route.ts): a browser is its
 * connecting address; a server-side sender is trusted by the ranges its site lists. Pure.
 */

/** An address as a bigint and its family; null when the text is not an IPv4 or IPv6 address. */
export interface ParsedAddress {
  family: 4 | 6;
  value: bigint;
}

const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseIpv4(text: string): bigint | null {
  const match = IPV4.exec(text);
  if (match === null) return null;
  return match.slice(1).reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
}

function parseIpv6(text: string): bigint | null {
  let address = text;
  // An IPv4 tail (::ffff:192.0.2.1) is two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (tail?.[1] !== undefined) {
    const v4 = parseIpv4(tail[1]);
    if (v4 === null) return null;
    address = `${address.slice(0, -tail[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string | undefined) => (part === undefined || part === "" ? [] : part.split(":"));
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return value;
}

export function parseAddress(text: string): ParsedAddress | null {
  const trimmed = text.trim().replace(/^\[|\]$/g, "");
  const v4 = parseIpv4(trimmed);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = trimmed.includes(":") ? parseIpv6(trimmed) : null;
  return v6 === null ? null : { family: 6, value: v6 };
}

/** A range in CIDR notation (`192.0.2.0/24`, `2001:db8::/32`); a bare address is a /32 or /128. */
export interface AddressRange {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

export function parseRange(text: string): AddressRange | null {
  const [addressText, prefixText, extra] = text.trim().split("/");
  if (addressText === undefined || extra !== undefined) return null;
  const address = parseAddress(addressText);
  if (address === null) return null;
  const bits = address.family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return null;
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { family: address.family, base: address.value & mask, prefix };
}

/** Whether `address` lies in `range`. */
export function inRange(address: ParsedAddress, range: AddressRange): boolean {
  if (address.family !== range.family) return false;
  const bits = range.family === 4 ? 32 : 128;
  const shift = BigInt(bits - range.prefix);
  return address.value >> shift === range.base >> shift;
}
