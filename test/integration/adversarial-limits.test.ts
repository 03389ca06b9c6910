/**
 * The agent's one set of limits under hostile commits (issue 25 items 2 and 3), end to end on the real
 * control plane with a real git server and the agent composed as `rivulet run` composes it, at its
 * default limits: each refusal ends as a condition on the object where the data entered, naming the
 * limit and the flag that raises it, and the last good state stays (the stored artifact, the applied
 * objects). Memory figures are bench/hostile-commits.ts's, not this file's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import { startGitServer, type Files, type GitServer } from "../support/git-server.ts";
import { kustomizationProbe } from "../support/kustomization-probe.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const KS = "kustomize.toolkit.fluxcd.io/v1";
const SRC = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
let client: KubeClient;
let ns: string;
let git: GitServer;
let agent: InProcessAgent;
let storage: string;

const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);
const { when: ksWhen, request } = kustomizationProbe(() => ({ admin: client, namespace: ns }));

async function sourceWhen(name: string, what: string, check: (o: FluxObject) => boolean): Promise<FluxObject> {
  return eventually(`GitRepository/${ns}/${name} ${what}`, async () => {
    const o = (await client.get({ apiVersion: SRC, kind: "GitRepository", namespace: ns, name })) as FluxObject | undefined;
    return o && check(o) ? o : undefined;
  }, 120_000);
}

/** A repository, its GitRepository and a Kustomization on `path`, Ready at the first commit. */
async function readyApp(name: string, files: Files, path = "./"): Promise<string> {
  const c = await git.createRepo(name, files);
  await client.apply({ apiVersion: SRC, kind: "GitRepository", metadata: { name, namespace: ns }, spec: { interval: "10m", url: git.url(name) } }, fm);
  await client.apply({ apiVersion: KS, kind: "Kustomization", metadata: { name, namespace: ns }, spec: { interval: "10m", path, prune: true, sourceRef: { kind: "GitRepository", name } } } as KubeObject, fm);
  await ksWhen(name, "Ready", (o) => cond(o, "Ready")?.status === "True" && o.status?.lastAppliedRevision === `master@sha1:${c}`);
  return c;
}

/** YAML text whose one document is `bytes` long, with lines of incompressible-looking text. */
function bigDocument(name: string, bytes: number): string {
  const head = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  blob: |\n`;
  const lines: string[] = [];
  let n = head.length;
  for (let i = 0; n < bytes; i++) {
    const line = `    ${i.toString(36).padStart(8, "0")} ${Math.random().toString(36).slice(2).padEnd(12, "x").repeat(5)}\n`;
    lines.push(line);
    n += line.length;
  }
  return head + lines.join("");
}

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("limits");
  git = await startGitServer();
  storage = mkdtempSync(join(tmpdir(), "rivulet-limits-"));
  agent = await startAgent(client, ns, storage);
});
afterAll(async () => {
  await agent?.stop();
  await git?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("hostile commits against the agent's limits", () => {
  test("a 25,000-file commit is refused by the GitRepository with the entries limit named; its last artifact stays", async () => {
    const c1 = await readyApp("many", { "app/cm.yaml": configMap("many", "one") }, "./app");
    const files: Files = {};
    for (let i = 0; i < 25_000; i++) files[`files/d${Math.floor(i / 1000)}/f${i}.txt`] = `${i}\n`;
    const c2 = await git.commit("many", files, "25,000 files");
    await request("GitRepository", "many");
    const o = await sourceWhen("many", "refuses the commit", (o) => cond(o, "Ready")?.status === "False");
    // 25,000 files, 25 directories under files/, files/ itself, app/, app/cm.yaml and the root.
    const entries = 25_000 + 25 + 1 + 2 + 1;
    const message = `GitRepository/${ns}/many: cannot archive revision master@sha1:${c2}: the artifact has ${entries.toLocaleString("en-US")} entries, over the limit of 20,000 entries (raise it with rivulet run --max-artifact-entries)`;
    expect(cond(o, "Ready")).toMatchObject({ status: "False", reason: "ArchiveOperationFailed", message });
    expect(cond(o, "StorageOperationFailed")).toMatchObject({ status: "True", reason: "ArchiveOperationFailed", message });
    expect((o.status!.artifact as { revision: string }).revision).toBe(`master@sha1:${c1}`);
    // The Kustomization never sees the refused commit: it stays at the last good one.
    const k = await ksWhen("many", "still Ready", (k) => cond(k, "Ready")?.status === "True");
    expect(k.status?.lastAppliedRevision).toBe(`master@sha1:${c1}`);
  }, 240_000);

  test("a file over the file limit is refused from its git object size, naming the limit", async () => {
    const c1 = await readyApp("bigfile", { "cm.yaml": configMap("bigfile", "one") });
    const size = 17 * 1024 * 1024 + 1;
    await git.commit("bigfile", { "blob.bin": new Uint8Array(size).fill(7) }, "a 17 MiB file");
    await request("GitRepository", "bigfile");
    const o = await sourceWhen("bigfile", "refuses the commit", (o) => cond(o, "Ready")?.status === "False");
    expect(cond(o, "Ready")).toMatchObject({
      reason: "GitOperationFailed",
      message: `GitRepository/${ns}/bigfile: Cannot fetch ${git.url("bigfile")}: a blob in the commit is ${size.toLocaleString("en-US")} bytes, over the limit of 16 MiB (raise it with rivulet run --max-file-size)`,
    });
    expect((o.status!.artifact as { revision: string }).revision).toBe(`master@sha1:${c1}`);
  }, 120_000);

  test("a document over the document limit fails the Kustomization's build before parsing; the applied revision and objects stay", async () => {
    const c1 = await readyApp("doc", { "cm.yaml": configMap("doc-small", "one") });
    const text = bigDocument("doc-big", 4_000_000);
    const c2 = await git.commit("doc", { "big.yaml": `${configMap("doc-other", "x")}---\n${text}` }, "a 4 MB document");
    await request("GitRepository", "doc");
    await sourceWhen("doc", "stores the commit", (o) => (o.status?.artifact as { revision?: string } | undefined)?.revision === `master@sha1:${c2}`);
    await request("Kustomization", "doc");
    const k = await ksWhen("doc", "fails the build", (k) => cond(k, "Ready")?.status === "False" && cond(k, "Ready")?.reason === "BuildFailed");
    const bytes = new TextEncoder().encode(`---\n${text}`).length;
    expect(cond(k, "Ready")?.message).toBe(
      `Kustomization/${ns}/doc: build of revision master@sha1:${c2} failed: Cannot generate a kustomization for .: failed to decode Kubernetes YAML from big.yaml: document 2 of "big.yaml" is ${bytes.toLocaleString("en-US")} bytes, over the limit of 3 MiB (raise it with rivulet run --max-document-size)`,
    );
    expect(k.status?.lastAppliedRevision).toBe(`master@sha1:${c1}`);
    expect(await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "doc-small" })).toBeDefined();
    expect(await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "doc-big" })).toBeUndefined();
  }, 120_000);
});
