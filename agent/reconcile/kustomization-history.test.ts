import { expect, test } from "bun:test";
import { upsertHistory } from "./kustomization-history.ts";

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

test("the same digest updates its entry and moves it to the front; a new digest is added first", () => {
  let h = upsertHistory(undefined, "sha256:a", "main@sha1:1", t(0), 1500, "ReconciliationSucceeded");
  h = upsertHistory(h, "sha256:b", "main@sha1:2", t(10), 200, "ReconciliationSucceeded");
  h = upsertHistory(h, "sha256:a", "main@sha1:1", t(20), 300, "ReconciliationSucceeded");
  expect(h.map((e) => e.digest)).toEqual(["sha256:a", "sha256:b"]);
  expect(h[0]).toEqual({
    digest: "sha256:a",
    firstReconciled: "2026-01-01T00:00:00Z",
    lastReconciled: "2026-01-01T00:00:20Z",
    lastReconciledDuration: "300ms",
    lastReconciledStatus: "ReconciliationSucceeded",
    totalReconciliations: 2,
    metadata: { revision: "main@sha1:1" },
  });
});

test("history keeps at most five digests, dropping the oldest", () => {
  let h = upsertHistory(undefined, "d0", "r", t(0), 1, "ok");
  for (let i = 1; i < 8; i++) h = upsertHistory(h, `d${i}`, "r", t(i), 1, "ok");
  expect(h.map((e) => e.digest)).toEqual(["d7", "d6", "d5", "d4", "d3"]);
});
