import { expect, test } from "bun:test";
import { keepingRecent, RecentEvents } from "./recent-events.ts";
import type { KubeObject } from "../kube/types.ts";

const ks = (name: string): KubeObject => ({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name, namespace: "team" } });

test("recent events are newest first, fold repeats with a count, and keep at most their capacity", () => {
  let t = 0;
  const r = new RecentEvents({ capacity: 3, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, t++)) });
  r.add(ks("a"), { type: "Warning", reason: "BuildFailed", message: "path not found" });
  r.add(ks("b"), { type: "Normal", reason: "ReconciliationSucceeded", message: "applied" });
  r.add(ks("a"), { type: "Warning", reason: "BuildFailed", message: "path not found" });
  expect(r.list()).toEqual([
    { time: "2026-01-01T00:00:02.000Z", type: "Warning", reason: "BuildFailed", object: "Kustomization/a", message: "path not found", count: 2 },
    { time: "2026-01-01T00:00:01.000Z", type: "Normal", reason: "ReconciliationSucceeded", object: "Kustomization/b", message: "applied", count: 1 },
  ]);
  for (const n of ["c", "d", "e"]) r.add(ks(n), { type: "Normal", reason: "Progressing", message: n });
  expect(r.list().map((e) => e.object)).toEqual(["Kustomization/e", "Kustomization/d", "Kustomization/c"]);
});

test("events for the Alerts only are not kept, and the wrapped recorder still gets every event", async () => {
  const recorded: string[] = [];
  const recent = new RecentEvents();
  const rec = keepingRecent({ record: async (_o, e) => void recorded.push(e.reason) }, recent);
  await rec.record(ks("a"), { type: "Normal", reason: "ReconciliationSucceeded", message: "Reconciliation finished in 1s", notifyOnly: true });
  await rec.record(ks("a"), { type: "Normal", reason: "Progressing", message: "Deployment/team/web configured" });
  expect(recorded).toEqual(["ReconciliationSucceeded", "Progressing"]);
  expect(recent.list().map((e) => e.reason)).toEqual(["Progressing"]);
});
