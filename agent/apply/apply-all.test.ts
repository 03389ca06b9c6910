import { describe, expect, test } from "bun:test";
import { applyAll, type StageWait } from "./apply-all.ts";
import { ApplyError } from "./apply-error.ts";
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
