/**
 * The agent's finalizer writes from a stale cached copy, on a real API server: another writer's finalizer
 * added after our copy was taken survives both our add and our removal.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { adminClient, deleteNamespace, uniqueNamespace } from "../support/cluster.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { addFinalizer, removeFinalizer } from "../../agent/reconcile/finalizer.ts";

let client: KubeClient;
let ns: string;
// ConfigMaps take only qualified finalizer names (Flux's own is used on its custom resources).
const OURS = "rivulet.test/ours";
const THEIRS = "example.com/keep";

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("fin");
});
afterAll(async () => {
  await deleteNamespace(ns);
});

const cm = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data: { a: "1" } });
const key = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name });

test("adding our finalizer from a stale copy keeps a finalizer someone added meanwhile", async () => {
  const stale = await client.apply(cm("add"), { fieldManager: "test" });
  await client.patch(key("add"), { metadata: { finalizers: [THEIRS] } }, "merge");
  const after = await addFinalizer(client, stale, OURS);
  expect(after.metadata.finalizers).toEqual([THEIRS, OURS]);
  expect((await client.get(key("add")))?.metadata.finalizers).toEqual([THEIRS, OURS]);
  await client.patch(key("add"), { metadata: { finalizers: null } }, "merge");
});

test("removing our finalizer from a stale copy removes only ours, wherever it moved", async () => {
  await client.apply(cm("remove"), { fieldManager: "test" });
  const ours = await addFinalizer(client, (await client.get(key("remove")))!, OURS);
  // Someone puts their finalizer first: our entry moves from index 0 to 1.
  await client.patch(key("remove"), { metadata: { finalizers: [THEIRS, OURS] } }, "merge");
  await removeFinalizer(client, ours, OURS);
  expect((await client.get(key("remove")))?.metadata.finalizers).toEqual([THEIRS]);
  await client.patch(key("remove"), { metadata: { finalizers: null } }, "merge");
});

test("removing our finalizer from an object already gone is not an error", async () => {
  const o = await client.apply(cm("gone"), { fieldManager: "test" });
  await client.delete(key("gone"));
  await removeFinalizer(client, { ...o, metadata: { ...o.metadata, finalizers: [OURS] } }, OURS);
});
