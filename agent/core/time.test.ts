import { describe, expect, test } from "bun:test";
import { formatMicroTime, formatTime } from "./time.ts";

describe("Kubernetes timestamps", () => {
  test.each([
    ["2026-12-06T03:11:42.123Z", "2026-12-06T03:11:42Z", "2026-12-06T03:11:42.123000Z"],
    ["1999-01-01T00:00:00.000Z", "1999-01-01T00:00:00Z", "1999-01-01T00:00:00.000000Z"],
  ])("%s is written as metav1.Time and metav1.MicroTime", (iso, time, micro) => {
    expect(formatTime(new Date(iso))).toBe(time);
    expect(formatMicroTime(new Date(iso))).toBe(micro);
  });
});
