/**
 * Prepares built objects for server-side apply the way fluxcd/pkg ssa's normalize step does, working
 * around API server quirks: container and Service ports get the default `protocol: TCP` (without it
 * SSA refuses the patch: "associative list with keys has an element that omits key field protocol"),
 * a Secret's stringData moves into data (base64) so drift is compared on one field, and status and
 * creationTimestamp are dropped (status only applies through its subresource; CRDs keep theirs).
 * Pure: returns a new object, never changes its input.
 */
import type { KubeObject } from "../kube/types.ts";

type Json = Record<string, unknown>;

export function normalizeForApply(input: KubeObject): KubeObject {
  const obj = structuredClone(input);
  delete obj.metadata.creationTimestamp;
  if (obj.kind !== "CustomResourceDefinition") delete obj.status;
  const group = obj.apiVersion.includes("/") ? obj.apiVersion.slice(0, obj.apiVersion.indexOf("/")) : "";
  const spec = obj.spec as Json | undefined;
  if (group === "" && obj.kind === "Service") defaultProtocols(spec?.ports);
  if (group === "" && obj.kind === "Pod") podSpec(spec);
  if (["apps", "extensions"].includes(group) || (group === "" && obj.kind === "ReplicationController") || (group === "batch" && obj.kind === "Job")) {
    podSpec(((spec?.template as Json | undefined)?.spec) as Json | undefined);
  }
  if (group === "batch" && obj.kind === "CronJob") {
    const jobSpec = ((spec?.jobTemplate as Json | undefined)?.spec) as Json | undefined;
    podSpec(((jobSpec?.template as Json | undefined)?.spec) as Json | undefined);
  }
  if (group === "" && obj.kind === "Secret" && obj.stringData && typeof obj.stringData === "object") {
    const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(obj.stringData as Record<string, unknown>)) data[k] = base64(String(v));
    obj.data = data;
    delete obj.stringData;
  }
  return obj;
}

function podSpec(spec: Json | undefined): void {
  if (!spec) return;
  for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
    const containers = spec[list];
    if (Array.isArray(containers)) for (const c of containers) defaultProtocols((c as Json | undefined)?.ports);
  }
}

function defaultProtocols(ports: unknown): void {
  if (!Array.isArray(ports)) return;
  for (const p of ports) if (p && typeof p === "object" && !(p as Json).protocol) (p as Json).protocol = "TCP";
}

function base64(s: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}
