/**
 * Integration tests reach Kubernetes through here. test/integration/run.ts starts one local control
 * plane (or adopts the cluster in RIVULET_TEST_KUBECONFIG) and passes it to the Bun and Deno test runs
 * in RIVULET_TEST_CLUSTER; a test file run on its own starts a private control plane instead.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { createHttpClient } from "../../agent/kube/http-client.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { installTenant as installTenantObjects, kubeconfigForToken, serviceAccountToken, TENANT_FILES } from "../../agent/kube/tenant-install.ts";
import { parseDocuments } from "../../agent/yaml/parse.ts";
import { connect } from "../../agent/runtime/kube-transport.ts";
import { startLocalControlPlane } from "../../agent/devtools/local-control-plane.ts";

export interface ClusterInfo {
  /** Admin kubeconfig (system:masters on the local control plane). */
  kubeconfig: string;
  server: string;
  /** A folder for per-test files (kubeconfigs of tenants). */
  dir: string;
  external: boolean;
}

export const repoRoot = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "..");

let shared: Promise<ClusterInfo> | undefined;

export function testCluster(): Promise<ClusterInfo> {
  shared ??= (async () => {
    const file = process.env.RIVULET_TEST_CLUSTER;
    if (file) return JSON.parse(readFileSync(file, "utf8")) as ClusterInfo;
    // The components die with this process (local-control-plane.ts guards them); stop() also cleans up.
    const cp = await startLocalControlPlane({ log: (l) => console.error(`[control-plane] ${l}`) });
    process.on("exit", () => rmSync(cp.dir, { recursive: true, force: true }));
    return { kubeconfig: cp.admin.kubeconfig, server: cp.server, dir: cp.dir, external: false };
  })();
  return shared;
}

export async function adminClient(): Promise<KubeClient> {
  const c = await testCluster();
  return createHttpClient({ transport: connect({ kubeconfig: c.kubeconfig }).transport });
}

/** A fresh namespace with a unique name; deleted (in the background) when the file's tests end. */
export async function uniqueNamespace(prefix: string): Promise<string> {
  const client = await adminClient();
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } }, { fieldManager: "rivulet-tests" });
  return name;
}

export async function deleteNamespace(name: string): Promise<void> {
  const client = await adminClient();
  await client.delete({ apiVersion: "v1", kind: "Namespace", name }, { propagationPolicy: "Background" });
}

/** Applies deploy/tenant/ in the namespace: ServiceAccount `rivulet`, its Roles and RoleBindings. */
export async function installTenant(namespace: string): Promise<KubeObject[]> {
  return installTenantObjects(await adminClient(), namespace, tenantDocs(), "rivulet-tests");
}

export function tenantDocs(): KubeObject[] {
  return TENANT_FILES.flatMap((f) => parseDocuments(readFileSync(join(repoRoot, "deploy", "tenant", f), "utf8"), f)) as KubeObject[];
}

/**
 * A kubeconfig for a ServiceAccount, with a token from the TokenRequest API: a real, unprivileged
 * identity (`system:serviceaccount:NS:NAME`), exactly what the agent has when it runs in a pod.
 */
export async function serviceAccountKubeconfig(namespace: string, name: string): Promise<string> {
  const c = await testCluster();
  const token = await serviceAccountToken(await adminClient(), namespace, name, "rivulet-tests");
  const base = parseDocuments(readFileSync(c.kubeconfig, "utf8"))[0] as Parameters<typeof kubeconfigForToken>[0];
  const file = join(c.dir, `sa-${namespace}-${name}.kubeconfig`);
  writeFileSync(file, kubeconfigForToken(base, name, token, namespace));
  return file;
}

/**
 * Polls until `check` returns a value other than undefined or false (false reads as "not yet"), or fails
 * after timeoutMs naming what it waited for.
 */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
