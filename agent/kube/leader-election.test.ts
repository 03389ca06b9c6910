import { expect, test } from "bun:test";
import type { KubeClient } from "./client.ts";
import type { KubeObject } from "./types.ts";
import { runLeaderElection } from "./leader-election.ts";
import { createLogger } from "../core/logger.ts";

/** A Lease store that can be made unreachable, as while the API server restarts. */
function leaseStore() {
  let lease: KubeObject | undefined;
  let rv = 1;
  const state = { down: false };
  const client = {
    async get() {
      if (state.down) throw new Error("connect ECONNREFUSED (API server restarting)");
      return lease && structuredClone(lease);
    },
    async raw(_m: string, _p: string, body: KubeObject) {
      if (state.down) throw new Error("connect ECONNREFUSED (API server restarting)");
      lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      return lease;
    },
    async apply(body: KubeObject) {
      if (state.down) throw new Error("connect ECONNREFUSED (API server restarting)");
      lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      return lease;
    },
  } as unknown as KubeClient;
  return { client, state, set: (l: KubeObject) => (lease = l) };
}

test("leadership lost to failed renewals and taken back while the Lease still names us is resumed; after another holder it is not", async () => {
  const { client, state, set } = leaseStore();
  const starts: boolean[] = [];
  let stops = 0;
  const ac = new AbortController();
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(what()).toBe(true);
  };
  const run = runLeaderElection(client, {
    namespace: "t",
    name: "rivulet",
    identity: "me",
    signal: ac.signal,
    log: createLogger(() => {}, { level: "error" }),
    onStartedLeading: (_s, resumed) => void starts.push(resumed),
    onStoppedLeading: () => void stops++,
    retryPeriodSeconds: 0.01,
    renewDeadlineSeconds: 0.05,
    leaseDurationSeconds: 0.1,
  });
  await until(() => starts.length === 1);
  state.down = true;
  await until(() => stops === 1);
  state.down = false;
  await until(() => starts.length === 2);
  // Meanwhile another replica took the Lease and kept it; we take it over once it expires.
  state.down = true;
  await until(() => stops === 2);
  set({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "rivulet", namespace: "t", resourceVersion: "99" }, spec: { holderIdentity: "other", leaseDurationSeconds: 0.1, renewTime: "2026-01-01T00:00:00.000000Z", leaseTransitions: 1 } } as KubeObject);
  state.down = false;
  await until(() => starts.length === 3);
  ac.abort();
  await run;
  expect(starts).toEqual([false, true, false]);
});
