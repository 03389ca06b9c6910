/**
 * `rivulet diff build` against a real API server: new objects are reported, applied ones are clean (exit
 * 0), an edited one shows the changed line (exit 1), Secret values never appear.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, testCluster, uniqueNamespace } from "../support/cluster.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { diffCommand } from "../../agent/cli/diff.ts";
import { normalizeObject } from "../../agent/diff/canonical.ts";

let client: KubeClient;
let ns: string;
let kubeconfig: string;
const dir = mkdtempSync(join(tmpdir(), "rivulet-diff-cli-"));

beforeAll(async () => {
  client = await adminClient();
  kubeconfig = (await testCluster()).kubeconfig;
  ns = await uniqueNamespace("diffcli");
  writeFileSync(join(dir, "kustomization.yaml"), "resources: [cm.yaml, secret.yaml]\n");
  writeFileSync(join(dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: '1', b: '2'}\n");
  writeFileSync(join(dir, "secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {token: s3cret-value}\n");
});
afterAll(async () => {
  await deleteNamespace(ns);
});

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await diffCommand.run(["build", dir, "-n", ns, "--kubeconfig", kubeconfig, ...args], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: {},
    cwd: dir,
    signal: new AbortController().signal,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("rivulet diff build", () => {
  test("reports objects that do not exist yet, with Secret values masked", async () => {
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`+++ merged ConfigMap/${ns}/settings`);
    expect(r.out).toContain("--- /dev/null");
    expect(r.out).not.toContain(btoa("s3cret-value"));
    expect(r.err).toContain("2 object(s) would change, 0 unchanged");
  });

  test("exits 0 once the objects are applied, and 1 with the changed line after an edit", async () => {
    for (const [kind, name, body] of [
      ["ConfigMap", "settings", { data: { a: "1", b: "2" } }],
      ["Secret", "creds", { stringData: { token: "s3cret-value" } }],
    ] as const) {
      await client.apply(normalizeObject({ apiVersion: "v1", kind, metadata: { name, namespace: ns }, ...body }) as KubeObject, { fieldManager: "kustomize-controller" });
    }
    const clean = await run();
    expect(clean.err).toContain("0 object(s) would change, 2 unchanged");
    expect(clean.code).toBe(0);
    await client.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: ns }, data: { a: "edited" } }, { fieldManager: "someone", force: true });
    await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: ns }, data: { token: btoa("other") } }, { fieldManager: "someone", force: true });
    const drift = await run();
    expect(drift.code).toBe(1);
    expect(drift.out).toContain('-  a: edited\n+  a: "1"');
    expect(drift.out).toContain("-  token: '*** (before)'\n+  token: '*** (after)'");
    expect(drift.out).not.toContain(btoa("other"));
    expect((await run("--show-secrets")).out).toContain(`+  token: ${btoa("s3cret-value")}`);
  });

  test("refuses objects in another namespace and names them", async () => {
    writeFileSync(join(dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: elsewhere}\ndata: {a: '1'}\n");
    const r = await run();
    expect(r.code).toBe(3);
    expect(r.err).toBe(`Error: ConfigMap/elsewhere/settings is in another namespace than ${ns}`);
  });
});
