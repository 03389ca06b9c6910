/**
 * spec.dependsOn: every Kustomization named must be Ready for its current generation and, when it
 * builds from the same source, have applied the revision about to be applied (Flux's rule). References
 * outside the namespace are refused, and a dependency cycle stalls with the path that closes it.
 * Dependencies are read from the agent's cache (ctx.read), not the API server; one not ready yet is
 * retried after `requeueMs` (Flux's --requeue-dependency).
 */
import { NotReadyError, TerminalError } from "../core/errors.ts";
import { formatRef } from "../core/ref.ts";
import { kustomizationKind, type KustomizationStatus } from "../api/kustomization.ts";
import type { ReconcileContext } from "./reconciler.ts";
import { refuseOtherNamespaces } from "./tenant-guard.ts";
import type { KustomizationObject, KustomizationSpec } from "./kustomization-build.ts";

const API = kustomizationKind.apiVersion;

export async function checkDependencies(ctx: ReconcileContext<KustomizationStatus>, obj: KustomizationObject, spec: KustomizationSpec, revision: string, requeueMs: number): Promise<void> {
  const ns = obj.metadata.namespace!;
  const self = formatRef(obj);
  refuseOtherNamespaces(self, ns, (spec.dependsOn ?? []).map((d) => ({ what: `dependsOn ${d.namespace}/${d.name}`, namespace: d.namespace })));
  const cycle = await findCycle(ctx.read, ns, obj.metadata.name!, spec.dependsOn ?? []);
  if (cycle) throw new TerminalError("DependencyNotReady", `${self}: circular dependency: ${cycle.join(" -> ")}`);
  for (const dep of spec.dependsOn ?? []) {
    const d = await readKustomization(ctx.read, ns, dep.name);
    const notReady = (why: string) =>
      new NotReadyError("DependencyNotReady", `dependency '${ns}/${dep.name}' ${why}`, { retryAfterMs: requeueMs });
    if (!d) throw notReady("is not found");
    const ready = d.status?.conditions?.find((c) => c.type === "Ready");
    if (ready?.status !== "True" || d.status?.observedGeneration !== d.metadata.generation) throw notReady("is not ready");
    // Same source: the dependency must have applied the revision we are about to apply (Flux's rule).
    if (d.spec?.sourceRef?.kind === spec.sourceRef.kind && d.spec?.sourceRef?.name === spec.sourceRef.name && d.status?.lastAppliedRevision !== revision) {
      throw notReady(`is not up to date with revision ${revision}`);
    }
  }
}

/** A dependsOn path from `name` back to itself, if any (bounded by the namespace's Kustomizations). */
async function findCycle(read: ReconcileContext["read"], ns: string, name: string, direct: Array<{ name: string }>): Promise<string[] | undefined> {
  const seen = new Set<string>();
  const stack: Array<{ name: string; path: string[] }> = direct.map((d) => ({ name: d.name, path: [name, d.name] }));
  while (stack.length) {
    const { name: cur, path } = stack.pop()!;
    if (cur === name) return path;
    if (seen.has(cur) || seen.size > 1000) continue;
    seen.add(cur);
    const k = await readKustomization(read, ns, cur).catch(() => undefined);
    for (const d of k?.spec?.dependsOn ?? []) {
      if (!d.namespace || d.namespace === ns) stack.push({ name: d.name, path: [...path, d.name] });
    }
  }
  return undefined;
}

/**
 * Another Kustomization of this namespace, from the agent's cache. The API server validated it against
 * the Kustomization schema on write, so it is read as one (a missing spec is still handled by callers).
 */
async function readKustomization(read: ReconcileContext["read"], ns: string, name: string): Promise<KustomizationObject | undefined> {
  return (await read({ apiVersion: API, kind: kustomizationKind.kind, namespace: ns, name })) as KustomizationObject | undefined;
}

/** A kind an object's dependsOn may name. */
export interface DependencyKind {
  apiVersion: string;
  kind: string;
}

/**
 * dependsOn of a kind other than Kustomization (a HelmRelease's): each name is looked up among `kinds`
 * in order, the first found counts, and it must be Ready for its current generation. This is how one
 * agent lets a HelmRelease wait for a Kustomization (or a HelmRelease), which Flux cannot. References
 * outside the namespace are refused and a reference to the object itself is a cycle.
 */
export async function checkReadyDependencies(
  read: ReconcileContext["read"],
  self: { kind: string; namespace: string; name: string },
  dependsOn: ReadonlyArray<{ name: string; namespace?: string }>,
  kinds: readonly DependencyKind[],
  requeueMs: number,
): Promise<void> {
  const ref = `${self.kind}/${self.namespace}/${self.name}`;
  refuseOtherNamespaces(ref, self.namespace, dependsOn.map((d) => ({ what: `dependsOn ${d.namespace}/${d.name}`, namespace: d.namespace })));
  for (const dep of dependsOn) {
    const notReady = (why: string) => new NotReadyError("DependencyNotReady", `dependency '${self.namespace}/${dep.name}' ${why}`, { retryAfterMs: requeueMs });
    let found;
    for (const k of kinds) {
      if (k.kind === self.kind && dep.name === self.name) throw new TerminalError("DependencyNotReady", `${ref}: circular dependency: ${self.name} -> ${self.name}`);
      found = await read({ apiVersion: k.apiVersion, kind: k.kind, namespace: self.namespace, name: dep.name });
      if (found) break;
    }
    if (!found) throw notReady("is not found");
    const status = found.status as { observedGeneration?: number; conditions?: Array<{ type: string; status: string }> } | undefined;
    const ready = status?.conditions?.find((c) => c.type === "Ready");
    if (ready?.status !== "True" || status?.observedGeneration !== found.metadata.generation) throw notReady("is not ready");
  }
}
