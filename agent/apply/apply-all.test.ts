import { describe, expect, test } from "bun:test";
import { applyAll, type StageWait } from "./apply-all.ts";
import { ApplyError } from "./apply-error.ts";
import { KubeApiError } from "../kube/api-error.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject, ObjectKey } from "../kube/types.ts";

/** An empty cluster that accepts every apply and records the order of real (non-dry-run) applies. */
function emptyCluster(log: string[]): KubeClient {
  const unused = () => Promise.reject(new Error("not used by this test"));
  const client: KubeClient = {
    get: async () => undefined,
    list: async () => ({ items: [], resourceVersion: "1" }),
    watch: () => ({ [Symbol.asyncIterator]: () => ({ next: unused }) }),
    apply: async (obj, opts) => {
      if (!opts.dryRun) log.push(`apply ${obj.kind}/${obj.metadata.name}`);
      return obj;
    },
    patch: unused,
    delete: unused,
    resource: async (apiVersion, kind) => ({ group: "", version: apiVersion, kind, plural: "", namespaced: kind !== "Namespace", verbs: [] }),
    impersonate: () => client,
    raw: unused,
  };
  return client;
}

const ns: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } };
const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "apps" } };

describe("applyAll waits between stages through its waitForStage port", () => {
  test("the definitions stage is waited for before the resources are applied", async () => {
    const log: string[] = [];
    const waitForStage: StageWait = async (_client, keys, opts) => {
      log.push(`wait ${keys.map((k: ObjectKey) => `${k.kind}/${k.name}`).join(",")} failFast=${opts.failFast}`);
      return { healthy: true };
    };
    const cs = await applyAll(emptyCluster(log), [cm, ns], { waitForStage, stageWaitTimeoutMs: 1_000, stageWaitPollMs: 10 });
    expect(log).toEqual(["apply Namespace/apps", "wait Namespace/apps failFast=false", "apply ConfigMap/cfg"]);
    expect(cs.entries.map((e) => `${e.ref} ${e.action}`)).toEqual(["Namespace/apps created", "ConfigMap/apps/cfg created"]);
  });

  test("a stage that does not become ready stops the apply with the wait's message", async () => {
    const log: string[] = [];
    const waitForStage: StageWait = async () => ({ healthy: false, message: "timeout waiting for: [Namespace/apps status: 'InProgress']" });
    const err = await applyAll(emptyCluster(log), [cm, ns], { waitForStage }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplyError);
    expect((err as ApplyError).message).toBe("timeout waiting for: [Namespace/apps status: 'InProgress']");
    expect((err as ApplyError).changeSet.entries.map((e) => e.ref)).toEqual(["Namespace/apps"]);
    expect(log).toEqual(["apply Namespace/apps"]);
  });

  test("a build without cluster definitions is never waited for", async () => {
    const log: string[] = [];
    const waitForStage: StageWait = async () => {
      throw new Error("waited for an empty stage");
    };
    await applyAll(emptyCluster(log), [cm], { waitForStage });
    expect(log).toEqual(["apply ConfigMap/cfg"]);
  });
});

/**
 * A cluster that records every apply ("dry-run X" / "apply X") and rejects the objects named in `invalid`;
 * with `existing` every object exists at resourceVersion 1 and a real apply changes it.
 */
function recordingCluster(calls: string[], invalid: string[] = [], existing = false): KubeClient {
  const client = emptyCluster([]);
  return {
    ...client,
    get: async (key) => (calls.push(`get ${key.kind}/${key.name}`), undefined),
    apply: async (obj, opts) => {
      calls.push(`${opts.dryRun ? "dry-run" : "apply"} ${obj.kind}/${obj.metadata.name}`);
      if (invalid.includes(obj.metadata.name!)) throw new KubeApiError(422, "Invalid", `ConfigMap "${obj.metadata.name}" is invalid: data: Invalid value`);
      if (opts.dryRun && !existing) return obj;
      return { ...obj, metadata: { ...obj.metadata, resourceVersion: opts.dryRun ? "1" : "2" } };
    },
  };
}

const cms = ["a", "b", "c"].map((name): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "apps" }, data: { k: name } }));
const noWait: StageWait = async () => ({ healthy: true });
const absent = () => true;
const failureOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as ApplyError);

describe("the lead object of a stage is validated by its own apply", () => {
  test("objects the cache knows absent: all but the first are dry-run, then the first is applied alone, then the rest", async () => {
    const calls: string[] = [];
    const cs = await applyAll(recordingCluster(calls), cms, { waitForStage: noWait, absent, concurrency: 1 });
    expect(calls).toEqual(["dry-run ConfigMap/b", "dry-run ConfigMap/c", "apply ConfigMap/a", "apply ConfigMap/b", "apply ConfigMap/c"]);
    expect(cs.entries.map((e) => `${e.ref} ${e.action}`)).toEqual(["ConfigMap/apps/a created", "ConfigMap/apps/b created", "ConfigMap/apps/c created"]);
  });

  test("an invalid lead fails the stage with its dry-run's text and nothing else is written", async () => {
    const calls: string[] = [];
    const err = await failureOf(applyAll(recordingCluster(calls, ["a"]), cms, { waitForStage: noWait, absent, concurrency: 1 }));
    expect(err).toBeInstanceOf(ApplyError);
    expect(err!.message).toBe(`ConfigMap/apps/a dry-run failed (Invalid): ConfigMap "a" is invalid: data: Invalid value`);
    expect(calls.filter((c) => c.startsWith("apply"))).toEqual(["apply ConfigMap/a"]);
    expect(err!.changeSet.entries).toEqual([]);
  });

  test("when another object is invalid the lead is dry-run too, every invalid object is reported and nothing is applied", async () => {
    const calls: string[] = [];
    const err = await failureOf(applyAll(recordingCluster(calls, ["a", "c"]), cms, { waitForStage: noWait, absent, concurrency: 1 }));
    expect(err!.failures.map((f) => f.message)).toEqual([
      `ConfigMap/apps/a dry-run failed (Invalid): ConfigMap "a" is invalid: data: Invalid value`,
      `ConfigMap/apps/c dry-run failed (Invalid): ConfigMap "c" is invalid: data: Invalid value`,
    ]);
    expect(calls.filter((c) => c.startsWith("apply"))).toEqual([]);
  });

  test("an object applied before and changed since is not read: a stand-in from the cache replaces the GET", async () => {
    const calls: string[] = [];
    const appliedCopy = (o: KubeObject): KubeObject => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: "apps", uid: "u", resourceVersion: "1" } });
    const cs = await applyAll(recordingCluster(calls, [], true), cms.slice(0, 2), { waitForStage: noWait, appliedCopy, concurrency: 1 });
    expect(calls).toEqual(["dry-run ConfigMap/b", "apply ConfigMap/a", "apply ConfigMap/b"]);
    expect(cs.entries.map((e) => `${e.ref} ${e.action}`)).toEqual(["ConfigMap/apps/a configured", "ConfigMap/apps/b configured"]);
  });

  test("an apply without a dry-run that leaves the resourceVersion as the cache had it is reported unchanged", async () => {
    const calls: string[] = [];
    const appliedCopy = (o: KubeObject): KubeObject => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: "apps", uid: "u", resourceVersion: "2" } });
    const cs = await applyAll(recordingCluster(calls, [], true), cms.slice(0, 1), { waitForStage: noWait, appliedCopy });
    expect(calls).toEqual(["apply ConfigMap/a"]);
    expect(cs.entries.map((e) => `${e.ref} ${e.action}`)).toEqual(["ConfigMap/apps/a unchanged"]);
  });

  test("without the cache's knowledge every object is read and dry-run first, as Flux does", async () => {
    const calls: string[] = [];
    await applyAll(recordingCluster(calls), cms.slice(0, 2), { waitForStage: noWait, concurrency: 1 });
    expect(calls).toEqual(["get ConfigMap/a", "dry-run ConfigMap/a", "get ConfigMap/b", "dry-run ConfigMap/b", "apply ConfigMap/a", "apply ConfigMap/b"]);
  });
});
