/**
 * A forced watch expiry on a real control plane of its own (issue 24, "Watches"): etcd compacted to its
 * current revision and kube-apiserver restarted, so every resumed watch is answered 410 Gone. The
 * controller under test is partitioned from the API server first (its transport refuses and its open
 * watches are cut) while one object's spec changes and another's status only: that change is never seen
 * as an event and only the relist can bring it.
 *
 * It must relist each kind once, at most two lists at a time, reconcile only the object whose
 * generation changed, and tell users of a source whose artifact changed meanwhile.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compactEtcd, startLocalControlPlane, type LocalControlPlane } from "../../agent/devtools/local-control-plane.ts";
import { connect } from "../../agent/runtime/kube-transport.ts";
import { createHttpClient } from "../../agent/kube/http-client.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { Transport } from "../../agent/kube/transport.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { parseDocuments } from "../../agent/yaml/parse.ts";
import { Controller } from "../../agent/reconcile/controller.ts";
import type { Reconciler } from "../../agent/reconcile/reconciler.ts";
import { createLogger } from "../../agent/core/logger.ts";
import { DEFAULTS as WATCH } from "../../agent/kube/watch-loop.ts";
import { eventually, repoRoot } from "../support/cluster.ts";

const external = Boolean(process.env.RIVULET_TEST_KUBECONFIG);
const NS = "default";
const N = 40;
const fm = { fieldManager: "rivulet-tests" };
let cp: LocalControlPlane;
let admin: KubeClient;

beforeAll(async () => {
  if (external) return;
  cp = await startLocalControlPlane();
  admin = createHttpClient({ transport: connect({ kubeconfig: cp.admin.kubeconfig }).transport });
  for (const f of ["source.toolkit.fluxcd.io_gitrepositories.yaml", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"]) {
    for (const crd of parseDocuments(readFileSync(join(repoRoot, "crds", f), "utf8"), f) as KubeObject[]) await admin.apply(crd, { ...fm, force: true });
  }
  await eventually("the CRDs to be served", async () => (await admin.resource("kustomize.toolkit.fluxcd.io/v1", "Kustomization").catch(() => undefined)) && (await admin.resource("source.toolkit.fluxcd.io/v1", "GitRepository").catch(() => undefined)));
}, 180_000);
afterAll(async () => {
  await cp?.stop();
});

/** A transport that can be cut off: it then refuses new requests and ends every open one. */
function partitionable(real: Transport) {
  let cut = new AbortController();
  let down = false;
  const lists: Array<{ path: string; at: number }> = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const transport: Transport = async (req) => {
    if (down) throw new Error("connect ECONNREFUSED 127.0.0.1 (partitioned)");
    const isList = req.method === "GET" && !req.query?.watch && /\/(kustomizations|gitrepositories)$/.test(req.path);
    if (isList) {
      lists.push({ path: req.path, at: Date.now() });
      mostInFlight = Math.max(mostInFlight, ++inFlight);
    }
    try {
      const signal = req.signal ? AbortSignal.any([req.signal, cut.signal]) : cut.signal;
      const res = await real({ ...req, signal });
      if (!isList) return res;
      // A list counts as in flight until its body is read.
      const text = await res.text();
      return { status: res.status, text: async () => text, lines: async function* () { yield* text.split("\n"); } };
    } finally {
      if (isList) inFlight--;
    }
  };
  return {
    transport,
    lists,
    mostInFlight: () => mostInFlight,
    partition() {
      down = true;
      cut.abort(new Error("partitioned"));
    },
    heal() {
      cut = new AbortController();
      down = false;
    },
  };
}

const ks = (name: string, path = "./app"): KubeObject => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name, namespace: NS },
  spec: { interval: "1h", path, prune: true, sourceRef: { kind: "GitRepository", name: "repo" } },
});

test.skipIf(external)(
  `after etcd compaction and an API server restart, ${N} Kustomizations and a GitRepository relist once per kind and only the changed one reconciles`,
  async () => {
    const net = partitionable(connect({ kubeconfig: cp.admin.kubeconfig }).transport);
    const client = createHttpClient({ transport: net.transport });
    const log = createLogger(() => {}, { level: "error" });
    const events = { record: async () => {} };
    const reconciled: string[] = [];
    const kustomizations: Reconciler = {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      controllerName: "kustomize-controller",
      async reconcile(obj) {
        reconciled.push(obj.metadata.name!);
        return { reason: "ReconciliationSucceeded", message: `Applied ${String(obj.spec?.path)}`, status: { lastAppliedRevision: String(obj.spec?.path) } };
      },
    };
    const sources: Reconciler = {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      controllerName: "source-controller",
      async reconcile() {
        return { reason: "Succeeded", message: "stored artifact" };
      },
    };
    const ac = new AbortController();
    const ksCtl = new Controller(kustomizations, { client, namespace: NS, log, events });
    const srcCtl = new Controller(sources, { client, namespace: NS, log, events });
    const artifactChanges: string[] = [];
    srcCtl.onArtifactChanged = (o) => void artifactChanges.push(o.metadata.name!);
    const runs = [ksCtl.run(ac.signal), srcCtl.run(ac.signal)];
    try {
      await admin.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "repo", namespace: NS }, spec: { interval: "1h", url: "https://example.invalid/repo.git" } }, fm);
      for (let i = 0; i < N; i++) await admin.apply(ks(`app-${i}`), fm);
      await eventually("every Kustomization reconciled once", async () => (new Set(reconciled).size === N ? true : undefined), 60_000);
      await eventually("the work to settle", async () => ([...ksCtl.cache.keys()].every((k) => !ksCtl.pending(k).running && !ksCtl.pending(k).queued) ? true : undefined));
      const before = reconciled.length;
      const listsBefore = net.lists.length;

      // Changes the controller never sees as events: a new generation of one, a new artifact of the source.
      net.partition();
      await admin.apply(ks("app-7", "./changed"), fm);
      await admin.apply(
        { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "repo", namespace: NS }, status: { artifact: { path: "x", url: "http://x/a.tar.gz", revision: "main@sha1:2", digest: "sha256:2", lastUpdateTime: new Date().toISOString() } } },
        { ...fm, subresource: "status", force: true },
      );
      await compactEtcd(cp.etcdUrl);
      await cp.restartApiserver();
      net.heal();

      await eventually("app-7 reconciled at its new path", async () => (reconciled.slice(before).includes("app-7") ? true : undefined), 90_000);
      await eventually("the source's users told of its new artifact", async () => (artifactChanges.includes("repo") ? true : undefined), 30_000);
      // Give any stray relist or reconcile time to show: the relist backoff is at most a few seconds here.
      await new Promise((r) => setTimeout(r, 3 * WATCH.relistBackoffMs));
      expect(reconciled.slice(before)).toEqual(["app-7"]);
      const relists = net.lists.slice(listsBefore);
      const byKind = (kind: string) => relists.filter((l) => l.path.endsWith(`/${kind}`)).length;
      expect(byKind("kustomizations")).toBe(1);
      expect(byKind("gitrepositories")).toBe(1);
      expect(net.mostInFlight()).toBeLessThanOrEqual(WATCH.concurrentLists);
    } finally {
      ac.abort();
      await Promise.all(runs);
    }
  },
  240_000,
);
