/**
 * What `rivulet bootstrap git` commits and `rivulet tenant create` prints, as plain objects and files: the
 * install (installObjects' output) and a GitRepository + Kustomization pair that syncs a repository path
 * into the namespace. Bootstrap lays them out as `flux bootstrap` does (P/rivulet-system/agent.yaml,
 * sync.yaml, kustomization.yaml, the sync pointing at P itself, so the agent applies its own install);
 * tenant create as fluxcd/flux2-multi-tenancy's tenants/base/NAME/ (rbac.yaml, sync.yaml), with the
 * namespaced install in place of a cluster-wide controller's RoleBinding. No I/O here.
 */
import type { KubeObject } from "../kube/types.ts";
import { emitDocuments } from "../yaml/emit.ts";

/** The names flux bootstrap uses (flux-system), in rivulet's words. */
export const BOOTSTRAP = {
  name: "rivulet-system",
  /** GitRepository interval (flux bootstrap's 1m0s) and Kustomization interval (its 10m0s). */
  sourceInterval: "1m0s",
  syncInterval: "10m0s",
  tenantSyncInterval: "5m0s",
  tenantLabel: "toolkit.fluxcd.io/tenant",
} as const;

export interface SyncOptions {
  name: string;
  namespace: string;
  url: string;
  branch: string;
  /** The Kustomization's spec.path (./ for the repository root). */
  path: string;
  /** The GitRepository's spec.secretRef, when the repository needs credentials. */
  secretName?: string;
  /** The Kustomization's spec.serviceAccountName (tenant syncs). */
  serviceAccountName?: string;
  sourceInterval?: string;
  syncInterval?: string;
}

/** A GitRepository on the branch and a pruning Kustomization of `path` from it, both named `name`. */
export function syncObjects(o: SyncOptions): [KubeObject, KubeObject] {
  const meta = { name: o.name, namespace: o.namespace };
  const gitRepository: KubeObject = {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: meta,
    spec: {
      interval: o.sourceInterval ?? BOOTSTRAP.sourceInterval,
      ref: { branch: o.branch },
      ...(o.secretName ? { secretRef: { name: o.secretName } } : {}),
      url: o.url,
    },
  };
  const kustomization: KubeObject = {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { ...meta },
    spec: {
      interval: o.syncInterval ?? BOOTSTRAP.syncInterval,
      path: kustomizationPath(o.path),
      prune: true,
      ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : {}),
      sourceRef: { kind: "GitRepository", name: o.name },
    },
  };
  return [gitRepository, kustomization];
}

/** `clusters/dev`, `/clusters/dev/` and `./clusters/dev` are the same repository path; the root is `./`. */
export function normalizePath(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === "..")) throw new Error(`Cannot use path "${path}": it leaves the repository`);
  return parts.join("/");
}

function kustomizationPath(path: string): string {
  const p = normalizePath(path);
  return p ? `./${p}` : "./";
}

/** The files bootstrap commits, keyed by repository path: P/rivulet-system/{agent,sync,kustomization}.yaml. */
export function bootstrapFiles(path: string, install: KubeObject[], sync: KubeObject[]): Record<string, string> {
  const p = normalizePath(path);
  const dir = `${p ? `${p}/` : ""}${BOOTSTRAP.name}`;
  return {
    [`${dir}/agent.yaml`]: header("rivulet install --export") + emitDocuments(install),
    [`${dir}/sync.yaml`]: header("rivulet bootstrap git") + emitDocuments(sync),
    [`${dir}/kustomization.yaml`]: emitDocuments([kustomizeFile(["agent.yaml", "sync.yaml"])]),
  };
}

export interface TenantOptions {
  name: string;
  namespace: string;
  url: string;
  branch: string;
  path: string;
}

/** tenants/base/NAME/'s files: rbac.yaml (the Namespace and the namespaced install), sync.yaml, kustomization.yaml. */
export function tenantFiles(o: TenantOptions, install: KubeObject[], serviceAccount: string): Record<string, string> {
  const namespace: KubeObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: o.namespace, labels: { [BOOTSTRAP.tenantLabel]: o.name } },
  };
  const tenant = (obj: KubeObject): KubeObject => ({ ...obj, metadata: { ...obj.metadata, labels: { ...(obj.metadata.labels ?? {}), [BOOTSTRAP.tenantLabel]: o.name } } });
  const sync = syncObjects({ ...o, serviceAccountName: serviceAccount, syncInterval: BOOTSTRAP.tenantSyncInterval }).map(tenant);
  return {
    "rbac.yaml": header(`rivulet tenant create ${o.name}`) + emitDocuments([namespace, ...install.map(tenant)]),
    "sync.yaml": header(`rivulet tenant create ${o.name}`) + emitDocuments(sync),
    "kustomization.yaml": emitDocuments([kustomizeFile(["rbac.yaml", "sync.yaml"])]),
  };
}

function kustomizeFile(resources: string[]): KubeObject {
  return { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources } as unknown as KubeObject;
}

function header(by: string): string {
  return `# Generated by ${by}; change it with the command, or commit edits that the agent then applies.\n`;
}
