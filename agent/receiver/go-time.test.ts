import { expect, test } from "bun:test";
import { goTimeString } from "./go-time.ts";

test.each([
  ["2026-12-06T08:30:00.000Z", "2026-12-06 08:30:00 +0000 UTC"],
  ["2026-12-06T08:30:00.250Z", "2026-12-06 08:30:00.25 +0000 UTC"],
  ["2026-01-02T03:04:05.123Z", "2026-01-02 03:04:05.123 +0000 UTC"],
  ["2026-01-02T03:04:05.100Z", "2026-01-02 03:04:05.1 +0000 UTC"],
])("%s is written as Go's time.Time.String() in UTC: %s", (iso, want) => {
  expect(goTimeString(new Date(iso))).toBe(want);
});
