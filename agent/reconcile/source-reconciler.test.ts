import { expect, test } from "bun:test";
import type { Artifact, Condition } from "../api/common.ts";
import { createLogger } from "../core/logger.ts";
import { TransientError } from "../core/errors.ts";
import type { KubeClient } from "../kube/client.ts";
import type { EventInput } from "../status/events.ts";
import { ArtifactStore, type StoreFs } from "../storage/artifact-store.ts";
import type { Verification } from "../verify/verifier.ts";
import type { KindObject, ReconcileContext } from "./reconciler.ts";
import { failureConditions, sameContent, sourceReconciler, type SourceFetchInput, type SourceFetchResult, type SourceKind } from "./source-reconciler.ts";

interface Spec {
  url: string;
  ignore?: string;
  verify?: boolean;
}
interface Status {
  artifact?: Artifact;
  conditions?: Condition[];
  observedIgnore?: string;
  observedGeneration?: number;
}

const NOW = new Date("2026-12-06T03:00:00Z");
const bytes = (s: string) => new TextEncoder().encode(s);

function memStore() {
  const files = new Map<string, Uint8Array>();
  const fs: StoreFs = {
    async writeAtomic(path, data) {
      files.set(path, data);
    },
    async read(path) {
      return files.get(path);
    },
    async list(dir) {
      return [...files.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => ({ name: p.slice(dir.length + 1), mtimeMs: 0 }));
    },
    async remove(path) {
      files.delete(path);
    },
    async removeDir(path) {
      for (const p of [...files.keys()]) if (p.startsWith(`${path}/`)) files.delete(p);
    },
  };
  return { store: new ArtifactStore(fs, { baseUrl: "http://storage", now: () => NOW }), files };
}

/** A source kind whose remote is a revision and some bytes, and whose verifier says what it is told. */
function fakeKind(remote: { revision: string; data: string; verdict?: Verification }) {
  const calls: Array<Omit<SourceFetchInput<Spec, Status, string>, "obj" | "ctx">> = [];
  const verified: string[] = [];
  const kind: SourceKind<Spec, Status, string> = {
    definition: { apiVersion: "example.toolkit.fluxcd.io/v1", kind: "Thing" },
    fetching: (spec) => `fetching ${spec.url}`,
    contentKey: (spec) => ({ observedIgnore: spec.ignore }),
    status: (spec, artifact) => ({ artifact, observedIgnore: spec.ignore }),
    async fetch(input): Promise<SourceFetchResult<string>> {
      calls.push({ ref: input.ref, lastRevision: input.lastRevision, verify: input.verify });
      if (input.lastRevision === remote.revision) return { unchanged: true, revision: remote.revision };
      return { unchanged: false, revision: remote.revision, file: `${remote.data}.tar.gz`, content: { bytes: bytes(remote.data) }, subject: remote.data, message: `stored ${remote.data}` };
    },
    verification: {
      asked: (spec) => spec.verify === true,
      build: async () => async (subject) => {
        verified.push(subject);
        return remote.verdict ?? { verified: true, message: `verified ${subject}` };
      },
      failed: (v, revision, ref) => `${ref}: ${revision} failed: ${v.reason}: ${v.message}`,
    },
  };
  return { kind, calls, verified };
}

function context(status: Status) {
  const events: EventInput[] = [];
  const progress: string[] = [];
  const ctx: ReconcileContext<Status> = {
    client: {} as KubeClient,
    log: createLogger(() => {}),
    events: { record: async (_obj, e) => void events.push(e) },
    now: () => NOW,
    status: () => status,
    read: async () => undefined,
    progress: async (message) => void progress.push(message),
  };
  return { ctx, events, progress };
}

const thing = (spec: Spec, status: Status = {}, generation = 1): KindObject<Spec, Status> => ({
  apiVersion: "example.toolkit.fluxcd.io/v1",
  kind: "Thing",
  metadata: { name: "a", namespace: "apps", generation },
  spec,
  status,
});

test("a new revision is stored, announced with NewArtifact and reported with ArtifactInStorage", async () => {
  const { store, files } = memStore();
  const { kind, calls } = fakeKind({ revision: "v1", data: "one" });
  const { ctx, events, progress } = context({});
  const result = await sourceReconciler(kind, { store, fetchFor: () => fetch }).reconcile(thing({ url: "x://a", ignore: "*.md" }), ctx);
  expect(calls).toEqual([{ ref: "Thing/apps/a", lastRevision: undefined, verify: undefined }]);
  expect(progress).toEqual(["fetching x://a"]);
  expect([...files.keys()]).toEqual(["thing/apps/a/one.tar.gz"]);
  expect(result.message).toBe("stored artifact for revision 'v1'");
  expect(result.status).toEqual({ artifact: expect.objectContaining({ path: "thing/apps/a/one.tar.gz", revision: "v1", url: "http://storage/thing/apps/a/one.tar.gz" }), observedIgnore: "*.md" });
  expect(result.conditions).toEqual([{ type: "ArtifactInStorage", status: "True", reason: "Succeeded", message: "stored artifact for revision 'v1'" }]);
  expect(events.map((e) => [e.reason, e.message])).toEqual([["NewArtifact", "stored one"]]);
});

test("an unchanged remote reuses the stored artifact: the fetch is told its revision and nothing is announced", async () => {
  const { store } = memStore();
  const { kind, calls } = fakeKind({ revision: "v1", data: "one" });
  const reconciler = sourceReconciler(kind, { store, fetchFor: () => fetch });
  const first = await reconciler.reconcile(thing({ url: "x://a" }), context({}).ctx);
  const status = { ...first.status };
  const { ctx, events } = context(status);
  const second = await reconciler.reconcile(thing({ url: "x://a" }, status), ctx);
  expect(calls[1]?.lastRevision).toBe("v1");
  expect(second.status?.artifact).toEqual(status.artifact);
  expect(events).toEqual([]);
});

test.each([
  ["the content key changed", { url: "x://a", ignore: "new" }, (s: Status) => s, 1],
  ["the stored file is gone", { url: "x://a" }, (s: Status) => ({ ...s, artifact: { ...s.artifact!, path: "thing/apps/a/gone.tar.gz" } }), 1],
  ["verification is asked and was not done under this generation", { url: "x://a", verify: true }, (s: Status) => s, 2],
] as const)("the stored artifact is not reused when %s", async (_name, spec, edit, generation) => {
  const { store } = memStore();
  const { kind, calls } = fakeKind({ revision: "v1", data: "one" });
  const reconciler = sourceReconciler(kind, { store, fetchFor: () => fetch });
  const first = await reconciler.reconcile(thing({ url: "x://a" }), context({}).ctx);
  const status = edit({ ...first.status, conditions: [{ type: "SourceVerified", status: "True", reason: "Succeeded", message: "", lastTransitionTime: "", observedGeneration: 1 }] });
  await reconciler.reconcile(thing(spec, status, generation), context(status).ctx);
  expect(calls[1]?.lastRevision).toBeUndefined();
});

test("a verified revision gets SourceVerified=True with the verifier's message", async () => {
  const { store } = memStore();
  const { kind, verified } = fakeKind({ revision: "v1", data: "one" });
  const result = await sourceReconciler(kind, { store, fetchFor: () => fetch }).reconcile(thing({ url: "x://a", verify: true }), context({}).ctx);
  expect(verified).toEqual(["one"]);
  expect(result.conditions?.[1]).toEqual({ type: "SourceVerified", status: "True", reason: "Succeeded", message: "verified one", observedGeneration: 1 });
});

test("a rejected revision is a VerificationError and nothing is stored", async () => {
  const { store, files } = memStore();
  const { kind } = fakeKind({ revision: "v1", data: "one", verdict: { verified: false, reason: "InvalidSignature", message: "bad" } });
  const run = sourceReconciler(kind, { store, fetchFor: () => fetch }).reconcile(thing({ url: "x://a", verify: true }), context({}).ctx);
  await expect(run).rejects.toThrow(new TransientError("VerificationError", "Thing/apps/a: v1 failed: InvalidSignature: bad"));
  expect(files.size).toBe(0);
});

test("without spec.verify no verifier is built and nothing is verified", async () => {
  const { store } = memStore();
  const { kind, verified } = fakeKind({ revision: "v1", data: "one", verdict: { verified: false, reason: "X", message: "not reached" } });
  const result = await sourceReconciler(kind, { store, fetchFor: () => fetch }).reconcile(thing({ url: "x://a" }), context({}).ctx);
  expect(verified).toEqual([]);
  expect(result.conditions).toHaveLength(1);
});

const old = (type: string, status: "True" | "False"): Condition => ({ type, status, reason: "Old", message: "old", lastTransitionTime: "2026-01-01T00:00:00Z" });

test.each([
  // lastTransitionTime moves only when the status flips (True -> False here).
  ["a verification error", "VerificationError", { type: "SourceVerified", status: "False", lastTransitionTime: "2026-12-06T03:00:00Z" }],
  ["a missing include", "IncludeUnavailable", { type: "IncludeUnavailable", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" }],
  ["any other error", "GitOperationFailed", { type: "FetchFailed", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" }],
  ["a chart that could not be built", "ValuesFilesError", { type: "BuildFailed", status: "True", lastTransitionTime: "2026-12-06T03:00:00Z" }],
] as const)("a failure from %s sets one negative condition and drops the others", (_name, reason, want) => {
  const conds = failureConditions([old("Ready", "True"), old("FetchFailed", "True"), old("SourceVerified", "True"), old("IncludeUnavailable", "True")], new TransientError(reason, "it broke"), 3, NOW);
  expect(conds.filter((c) => c.type !== "Ready")).toEqual([
    { ...want, reason, message: "it broke", observedGeneration: 3 },
  ]);
  expect(conds[0]).toEqual(old("Ready", "True"));
});

test("an error without a reason is FetchFailed with its message", () => {
  expect(failureConditions(undefined, new Error("boom"), 1, NOW)).toEqual([
    { type: "FetchFailed", status: "True", reason: "FetchFailed", message: "boom", observedGeneration: 1, lastTransitionTime: "2026-12-06T03:00:00Z" },
  ]);
});

test.each([
  [{ observedIgnore: undefined }, {}, true],
  [{ observedInclude: [] }, {}, true],
  [{ observedInclude: [] }, { observedInclude: null }, true],
  [{ observedIgnore: "" }, {}, false],
  [{ observedLayerSelector: {} }, {}, false],
  [{ observedInclude: [{ a: 1 }] }, { observedInclude: [{ a: 1 }] }, true],
  [{ observedInclude: [{ a: 1 }] }, { observedInclude: [{ a: 2 }] }, false],
  [undefined, {}, false],
])("sameContent(%j, %j) is %p", (key, status, want) => {
  expect(sameContent(key, status)).toBe(want);
});
