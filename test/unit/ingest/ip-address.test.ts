import { describe, expect, it } from "vitest";
import { inRange, parseAddress, parseRange } from "../../../src/domain/ingest/ip-address";

const within = (address: string, range: string) => {
  const parsed = parseAddress(address);
  const parsedRange = parseRange(range);
  if (parsed === null || parsedRange === null) throw new Error(`unparsable ${address} or ${range}`);
  return inRange(parsed, parsedRange);
};

describe("IP addresses and ranges", () => {
  it("reads IPv4 and IPv6 addresses, compressed, bracketed or with an IPv4 tail", () => {
    expect(parseAddress("192.0.2.1")).toEqual({ family: 4, value: 0xc0000201n });
    expect(parseAddress("2001:db8::1")).toEqual({ family: 6, value: 0x20010db8000000000000000000000001n });
    expect(parseAddress("[2001:db8::1]")).toEqual(parseAddress("2001:0db8:0:0:0:0:0:1"));
    expect(parseAddress("::ffff:192.0.2.1")).toEqual({ family: 6, value: 0xffffc0000201n });
    expect(parseAddress("::")).toEqual({ family: 6, value: 0n });
  });

  it.each(["", "256.0.0.1", "1.2.3", "01.2.3.4x", "2001:db8:::1", "1:2:3:4:5:6:7:8:9", "g::1", "example.com", "1.2.3.4/24"])(
    "refuses %j as an address",
    (text) => {
      expect(parseAddress(text)).toBeNull();
    },
  );

  it("matches addresses against CIDR ranges of their own family", () => {
    expect(within("192.0.2.77", "192.0.2.0/24")).toBe(true);
    expect(within("192.0.3.1", "192.0.2.0/24")).toBe(false);
    expect(within("192.0.2.77", "192.0.2.77")).toBe(true);
    expect(within("192.0.2.78", "192.0.2.77")).toBe(false);
    expect(within("10.1.2.3", "0.0.0.0/0")).toBe(true);
    expect(within("2001:db8:1::5", "2001:db8::/32")).toBe(true);
    expect(within("2001:db9::5", "2001:db8::/32")).toBe(false);
    expect(within("192.0.2.1", "::/0")).toBe(false);
  });

  it.each(["192.0.2.0/33", "2001:db8::/129", "192.0.2.0/", "192.0.2.0/24/1", "nope/8"])("refuses %j as a range", (text) => {
    expect(parseRange(text)).toBeNull();
  });
});
