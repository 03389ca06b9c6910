import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { formatDuration, parseDuration } from "./duration.ts";

describe("parseDuration", () => {
  test.each([
    ["5m", 300_000],
    ["1m30s", 90_000],
    ["0.5h", 1_800_000],
    ["250ms", 250],
    ["1h0m0s", 3_600_000],
    ["10s", 10_000],
  ] as const)("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(["", "5", "5 m", "m5", "1d", "-1s", "1.s"])("rejects %p with a message naming the format", (text) => {
    expect(() => parseDuration(text)).toThrow(/Cannot parse duration/);
  });
});

describe("formatDuration", () => {
  test.each([
    [300_000, "5m0s"],
    [90_000, "1m30s"],
    [3_723_000, "1h2m3s"],
    [1500, "1.5s"],
    [250, "250ms"],
    [0, "0s"],
  ] as const)("%d ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test("formatting then parsing gives the same whole-millisecond duration", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 3_600_000 }), (ms) => parseDuration(formatDuration(ms)) === ms));
  });
});
