/**
 * `rivulet run --tenants FILE` against the real control plane: one host process whose own identity is a
 * ServiceAccount with only its Lease and, in each tenant namespace, the right to mint the tenant's token
 * (deploy/host/). Three tenants with deploy/tenant/ installed; one has lost its ServiceAccount; two
 * more bring their own credentials (a token file, a kubeconfig). The others become Ready from a local git server, each writing with its own token (a cluster-scoped object
 * is refused naming the tenant's ServiceAccount), the broken one is reported and retried until it can
 * start, and a tenant removed from the file is no longer reconciled while the others are.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, installTenant, repoRoot, serviceAccountKubeconfig, uniqueNamespace } from "../support/cluster.ts";
import { serviceAccountToken } from "../../agent/kube/tenant-install.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { startRivulet, type AgentProcess } from "../support/agent-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { parseDocuments } from "../../agent/yaml/parse.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const fm = { fieldManager: "rivulet-tests" };
let admin: KubeClient;
let git: GitServer;
let host: string;
let a: string;
let b: string;
let c: string;
/** Tenants whose credentials the file gives: a token file and a kubeconfig of their own. */
let d: string;
let e: string;
let dir: string;
let tenantsFile: string;
let agent: AgentProcess;
let probes: string;

/** deploy/host/'s objects placed in a namespace, their ServiceAccount subjects pointing at the host's. */
function hostObjects(file: string, namespace: string): KubeObject[] {
  return (parseDocuments(readFileSync(join(repoRoot, "deploy", "host", file), "utf8"), file) as KubeObject[]).map((o) => ({
    ...o,
    metadata: { ...o.metadata, namespace },
    ...(Array.isArray(o.subjects) ? { subjects: (o.subjects as Array<Record<string, unknown>>).map((s) => ({ ...s, namespace: host })) } : {}),
  }));
}

/** The tenants file with these namespaces; extra lines (credentials) per namespace. */
const writeTenants = (namespaces: string[], extra: Record<string, string> = {}) =>
  writeFileSync(tenantsFile, `apiVersion: rivulet.dev/v1alpha1\nkind: TenantList\ntenants:\n${namespaces.map((n) => `  - namespace: ${n}\n${extra[n] ?? ""}`).join("")}`);
let credentials: Record<string, string> = {};

const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

/** A repository named after the namespace, with its GitRepository and Kustomization `app` in it. */
async function appIn(ns: string): Promise<string> {
  const commit = await git.createRepo(ns, { "app/cm.yaml": configMap("app", "one") });
  await admin.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "app", namespace: ns }, spec: { interval: "10m", url: git.url(ns) } }, fm);
  await admin.apply(kustomization(ns, "app", "./app"), fm);
  return commit;
}

const kustomization = (ns: string, name: string, path: string): KubeObject => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name, namespace: ns },
  spec: { interval: "10m", path, prune: true, timeout: "20s", sourceRef: { kind: "GitRepository", name: "app" } },
});

const getFlux = (ns: string, kind: string, name: string) =>
  admin.get({ apiVersion: kind === "Kustomization" ? "kustomize.toolkit.fluxcd.io/v1" : "source.toolkit.fluxcd.io/v1", kind, namespace: ns, name }) as Promise<FluxObject | undefined>;
const ready = (o: FluxObject | undefined) => o?.status?.conditions?.find((x) => x.type === "Ready");
const readyAt = (ns: string, revision: string) =>
  eventually(`Kustomization ${ns}/app Ready at ${revision}`, async () => {
    const k = await getFlux(ns, "Kustomization", "app");
    return ready(k)?.status === "True" && k?.status?.lastAppliedRevision === `master@sha1:${revision}` && k;
  }, 60_000);
const cmValue = async (ns: string) => ((await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "app" }))?.data as { value?: string } | undefined)?.value;
const requestReconcile = (ns: string) =>
  admin.patch({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: ns, name: "app" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } }, "merge");

beforeAll(async () => {
  admin = await adminClient();
  git = await startGitServer();
  host = await uniqueNamespace("mt-host");
  [a, b, c, d, e] = (await Promise.all(["mt-a", "mt-b", "mt-c", "mt-d", "mt-e"].map((p) => uniqueNamespace(p)))) as [string, string, string, string, string];
  for (const o of hostObjects("service-account.yaml", host)) await admin.apply(o, fm);
  for (const o of hostObjects("role-lease.yaml", host)) await admin.apply(o, fm);
  for (const ns of [a, b, c]) {
    await installTenant(ns);
    for (const o of hostObjects("tenant/role-token.yaml", ns)) await admin.apply(o, fm);
  }
  // Tenant c lost its ServiceAccount: the host cannot mint its token.
  await admin.delete({ apiVersion: "v1", kind: "ServiceAccount", namespace: c, name: "rivulet" });
  dir = mkdtempSync(join(tmpdir(), "rivulet-mt-"));
  tenantsFile = join(dir, "tenants.yaml");
  // d and e bring their own credentials: the host mints nothing for them.
  await Promise.all([installTenant(d), installTenant(e)]);
  writeFileSync(join(dir, "d.token"), await serviceAccountToken(admin, d, "rivulet", "rivulet-tests"));
  credentials = { [d]: "    tokenFile: d.token\n", [e]: `    kubeconfig: ${await serviceAccountKubeconfig(e, "rivulet")}\n    concurrent: 2\n` };
  writeTenants([a, b, c, d, e], credentials);
  const kubeconfig = await serviceAccountKubeconfig(host, "rivulet-host");
  agent = startRivulet([
    "run", "--kubeconfig", kubeconfig, "--namespace", host, "--tenants", tenantsFile,
    "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--storage-path", join(dir, "storage"),
    "--allow-cluster-kinds", "ClusterRole", "--identity", "host-1",
  ]);
  probes = `http://${(await agent.waitForLog((l) => l.msg === "serving probes and metrics")).addr}`;
}, 60_000);

afterAll(async () => {
  agent?.child.kill("SIGKILL");
  await git?.stop();
  await Promise.all([host, a, b, c, d, e].filter(Boolean).map((n) => deleteNamespace(n)));
  rmSync(dir, { recursive: true, force: true });
});

describe("rivulet run --tenants", () => {
  test("each tenant becomes Ready with its own token while the one without a ServiceAccount is reported", async () => {
    const [ca, cb, cd, ce] = await Promise.all([appIn(a), appIn(b), appIn(d), appIn(e)]);
    await appIn(c);
    await Promise.all([readyAt(a, ca), readyAt(b, cb), readyAt(d, cd), readyAt(e, ce)]);
    expect(await Promise.all([a, b, d, e].map(cmValue))).toEqual(["one", "one", "one", "one"]);

    const refused = await agent.waitForLog((l) => l.msg === "tenant not started: retrying" && l.tenant === c);
    expect(refused.error).toBe(`Cannot get a token for ServiceAccount ${c}/rivulet: Cannot POST /api/v1/namespaces/${c}/serviceaccounts/rivulet/token: serviceaccounts "rivulet" not found`);
    const readyz = (await (await fetch(`${probes}/readyz`)).json()) as { tenants: Record<string, { ready: boolean; reason?: string }> };
    expect(readyz.tenants[a]).toEqual({ ready: true });
    expect(readyz.tenants[b]).toEqual({ ready: true });
    expect(readyz.tenants[c]).toEqual({ ready: false, reason: `Cannot get a token for ServiceAccount ${c}/rivulet: Cannot POST /api/v1/namespaces/${c}/serviceaccounts/rivulet/token: serviceaccounts "rivulet" not found` });
    const metrics = await (await fetch(`${probes}/metrics`)).text();
    expect(metrics).toContain(`rivulet_tenant_ready{namespace="${a}"} 1`);
    expect(metrics).toContain(`rivulet_tenant_ready{namespace="${c}"} 0`);
    expect(metrics).toMatch(new RegExp(`^rivulet_tenant_kube_requests_total\\{namespace="${a}",verb="list"\\} [1-9]`, "m"));
    expect(metrics).toMatch(new RegExp(`^rivulet_queue_depth\\{kind="Kustomization",namespace="${b}"\\} 0`, "m"));
    // Their reconciles went through the host's fair share: each tenant has its gate, none waits now.
    expect(metrics).toContain(`rivulet_tenant_reconciles{namespace="${a}",state="waiting"} 0`);
    expect(metrics).toContain(`rivulet_tenant_reconciles{namespace="${b}",state="running"} 0`);
    expect((await getFlux(c, "Kustomization", "app"))?.status?.conditions ?? []).toEqual([]);

    // Artifacts are served from the store of the tenant named in the path; no tenant's token is logged.
    const url = (await getFlux(b, "GitRepository", "app"))?.status?.artifact as { url: string } | undefined;
    expect((await fetch(url!.url)).status).toBe(200);
    expect((await fetch(url!.url.replace(`/${b}/`, `/${c}/`))).status).toBe(404);
    expect(JSON.stringify(agent.lines)).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
  }, 120_000);

  test("what tenant A applies is written with A's ServiceAccount: a cluster-scoped object is Forbidden for it", async () => {
    const role = `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${a}-escalate\nrules: []\n`;
    await git.commit(a, { "escalate/role.yaml": role });
    await requestReconcile(a);
    await admin.apply(kustomization(a, "escalate", "./escalate"), fm);
    const failed = await eventually("Kustomization escalate to fail", async () => {
      const r = ready(await getFlux(a, "Kustomization", "escalate"));
      return r?.status === "False" && /forbidden/i.test(r.message) && r;
    }, 60_000);
    expect(failed.message).toContain(`User "system:serviceaccount:${a}:rivulet" cannot`);
    expect(await admin.get({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name: `${a}-escalate` })).toBeUndefined();
  }, 90_000);

  test("the tenant that could not start starts once its ServiceAccount is back", async () => {
    await admin.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "rivulet", namespace: c } }, fm);
    await agent.waitForLog((l) => l.msg === "tenant started" && l.tenant === c, 90_000);
    await eventually(`Kustomization ${c}/app Ready`, async () => ready(await getFlux(c, "Kustomization", "app"))?.status === "True", 60_000);
    expect(await cmValue(c)).toBe("one");
  }, 150_000);

  test("a tenant removed from the file is no longer reconciled; the others go on", async () => {
    writeTenants([a, c, d, e], credentials);
    await agent.waitForLog((l) => l.msg === "tenant removed: its controllers stop" && l.namespace === b, 20_000);
    const [na, nb] = [await git.commit(a, { "app/cm.yaml": configMap("app", "two") }), await git.commit(b, { "app/cm.yaml": configMap("app", "two") })];
    await Promise.all([requestReconcile(a), requestReconcile(b)]);
    await readyAt(a, na);
    expect(await cmValue(a)).toBe("two");
    // Give b the same time and more: its new commit is not applied.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await cmValue(b)).toBe("one");
    expect((await getFlux(b, "Kustomization", "app"))?.status?.lastAppliedRevision).not.toBe(`master@sha1:${nb}`);
    const readyz = (await (await fetch(`${probes}/readyz`)).json()) as { tenants: Record<string, unknown> };
    expect(Object.keys(readyz.tenants).sort()).toEqual([a, c, d, e].sort());

    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
  }, 90_000);
});
