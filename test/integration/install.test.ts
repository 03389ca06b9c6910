/**
 * `rivulet check`, `install` and `uninstall` on the real control plane with namespace-only identities:
 * a namespace owner (every permission in its namespace, nothing cluster-wide) installs and uninstalls; a
 * viewer is refused before the first write with each missing permission named; the agent's own
 * ServiceAccount then passes the agent check. The CRDs are installed by the test run (a cluster admin's
 * job).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { adminClient, deleteNamespace, serviceAccountKubeconfig, uniqueNamespace } from "../support/cluster.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import { createHttpClient } from "../../agent/kube/http-client.ts";
import { connect } from "../../agent/runtime/kube-transport.ts";
import { dispatch } from "../../agent/cli/dispatch.ts";
import { checkCommand, installCommand, uninstallCommand } from "../../agent/cli/install.ts";
import { INSTALL_SELECTOR } from "../../agent/install/install-objects.ts";

let admin: KubeClient;
let ns: string;
let owner: string;
let viewer: string;

async function rivulet(kubeconfig: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {}, cwd: process.cwd(), signal: new AbortController().signal };
  const code = await dispatch([...args, "--kubeconfig", kubeconfig, "--namespace", ns], [installCommand, uninstallCommand, checkCommand], io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A ServiceAccount bound in the namespace to a Role with these rules. */
async function identity(name: string, rules: unknown[]): Promise<string> {
  const fm = { fieldManager: "rivulet-tests" };
  await admin.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: ns } }, fm);
  await admin.apply({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name, namespace: ns }, rules }, fm);
  await admin.apply(
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace: ns }],
    },
    fm,
  );
  return serviceAccountKubeconfig(ns, name);
}

const installed = async (apiVersion: string, kind: string) =>
  (await admin.list({ apiVersion, kind, namespace: ns }, { labelSelector: INSTALL_SELECTOR })).items.map((o) => o.metadata.name).sort();

beforeAll(async () => {
  admin = await adminClient();
  ns = await uniqueNamespace("install");
  owner = await identity("owner", [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]);
  viewer = await identity("viewer", [{ apiGroups: ["", "apps"], resources: ["pods", "deployments", "services"], verbs: ["get", "list", "watch"] }]);
});
afterAll(async () => {
  await deleteNamespace(ns);
});

describe("rivulet check, install and uninstall with namespace rights only", () => {
  test("check as the namespace owner: server version, every CRD, install and agent permissions", async () => {
    const r = await rivulet(owner, "check");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^API server: v1\.\d+/);
    expect(r.out).toContain("  ✔ gitrepositories.source.toolkit.fluxcd.io v1 (served: v1");
    expect(r.out).toContain("  ✔ helmreleases.helm.toolkit.fluxcd.io v2 (served: v2");
    expect(r.out).not.toContain("✗");
    expect(r.out).toContain("  ✔ install: every object can be written and every Role granted");
    expect(r.out).toContain("  ✔ agent: every permission of the tenant Roles");
  });

  test("check as a viewer names what it cannot do and why, exit code 1", async () => {
    const r = await rivulet(viewer, "check");
    expect(r.code).toBe(1);
    expect(r.out).toContain(`    cannot create roles.rbac.authorization.k8s.io: needed to write Role/${ns}/rivulet-agent`);
    expect(r.out).toContain(`    cannot create deployments.apps: needed to write Deployment/${ns}/rivulet`);
    expect(r.out).toContain(
      `    cannot * *.*: Role/${ns}/rivulet-reconciler grants it, and Kubernetes lets only a holder grant a permission (or one who may escalate roles)`,
    );
    expect(r.out).toMatch(/  ✗ agent: \d+ missing/);
  });

  test("check as a namespace admin by the built-in admin ClusterRole names the Roles it cannot grant", async () => {
    const fm = { fieldManager: "rivulet-tests" };
    await admin.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "ns-admin", namespace: ns } }, fm);
    await admin.apply(
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "ns-admin", namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
        subjects: [{ kind: "ServiceAccount", name: "ns-admin", namespace: ns }],
      },
      fm,
    );
    const kubeconfig = await serviceAccountKubeconfig(ns, "ns-admin");
    const r = await rivulet(kubeconfig, "check");
    expect(r.code).toBe(1);
    // It may write every object, but not grant the reconciler Role's "*" nor the Flux kinds it does not hold.
    expect(r.out).not.toContain("needed to write");
    expect(r.out).toContain(`    cannot * *.*: Role/${ns}/rivulet-reconciler grants it`);
    expect(r.out).toMatch(new RegExp(`cannot get gitrepositories.source.toolkit.fluxcd.io: Role/${ns}/rivulet-agent grants it`));
    // The API server agrees: it refuses that Role from this identity.
    const asAdmin = createHttpClient({ transport: connect({ kubeconfig }).transport });
    const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "rivulet-reconciler", namespace: ns }, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] };
    const refused = await asAdmin.apply(role, { fieldManager: "rivulet-tests", dryRun: true }).then(() => undefined, (e: unknown) => e);
    expect((refused as { code?: number } | undefined)?.code).toBe(403);
  });

  test("install as a viewer is refused before the first write", async () => {
    const r = await rivulet(viewer, "install", "--artifact-storage", "emptydir");
    expect(r.code).toBe(3);
    expect(r.err).toMatch(new RegExp(`^Error: cannot install in namespace ${ns}: the caller lacks \\d+ permission\\(s\\), nothing was written:`));
    expect(await installed("v1", "ServiceAccount")).toEqual([]);
    expect(await installed("apps/v1", "Deployment")).toEqual([]);
  });

  test("install as the owner writes the tenant RBAC, storage, Service and a restricted Deployment", async () => {
    const r = await rivulet(owner, "install", "--image", "localhost/rivulet:test", "--allow-kinds", "Namespace");
    expect(r.err).toContain(`installed rivulet in namespace ${ns} (image localhost/rivulet:test)`);
    expect(r.code).toBe(0);
    expect(await installed("v1", "ServiceAccount")).toEqual(["rivulet"]);
    expect(await installed("rbac.authorization.k8s.io/v1", "Role")).toEqual(["rivulet-agent", "rivulet-reconciler"]);
    expect(await installed("rbac.authorization.k8s.io/v1", "RoleBinding")).toEqual(["rivulet-agent", "rivulet-reconciler"]);
    expect(await installed("v1", "PersistentVolumeClaim")).toEqual(["rivulet-artifacts"]);
    expect(await installed("v1", "Service")).toEqual(["rivulet"]);
    const d = (await admin.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns, name: "rivulet" }))!;
    const c = (d.spec as any).template.spec.containers[0];
    expect(c.image).toBe("localhost/rivulet:test");
    expect(c.args).toContain("--allow-cluster-kinds=Namespace");
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    // Re-running is idempotent.
    expect((await rivulet(owner, "install", "--image", "localhost/rivulet:test", "--allow-kinds", "Namespace")).code).toBe(0);
  });

  test("check as the installed agent's ServiceAccount passes the agent check", async () => {
    const r = await rivulet(await serviceAccountKubeconfig(ns, "rivulet"), "check");
    expect(r.out).toContain("  ✔ agent: every permission of the tenant Roles");
    expect(r.code).toBe(0);
  });

  test("uninstall removes what install made and only that", async () => {
    const fm = { fieldManager: "rivulet-tests" };
    // Same name label, but not made by install; and an unlabelled object of an installed kind.
    await admin.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep", namespace: ns, labels: { "app.kubernetes.io/name": "rivulet" } } }, fm);
    await admin.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "keep", namespace: ns } }, fm);
    const r = await rivulet(owner, "uninstall");
    expect(r.code).toBe(0);
    expect(r.err).toContain(`✔ Deployment/${ns}/rivulet deleted`);
    expect(r.err).toContain(`✔ Role/${ns}/rivulet-reconciler deleted`);
    for (const [v, k] of [["v1", "ServiceAccount"], ["rbac.authorization.k8s.io/v1", "Role"], ["rbac.authorization.k8s.io/v1", "RoleBinding"], ["v1", "Service"], ["v1", "PersistentVolumeClaim"]] as const) {
      expect(await installed(v, k)).toEqual([]);
    }
    expect(await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "keep" })).toBeDefined();
    expect(await admin.get({ apiVersion: "v1", kind: "ServiceAccount", namespace: ns, name: "keep" })).toBeDefined();
    expect(await admin.get({ apiVersion: "v1", kind: "ServiceAccount", namespace: ns, name: "owner" })).toBeDefined();
    expect((await rivulet(owner, "uninstall")).err).toContain(`nothing installed by rivulet in namespace ${ns}`);
  });
});
