/**
 * The tenant guard moved to agent/apply/tenant-guard.ts so Helm's actions (agent/release/) share it;
 * this name stays for the reconcilers that import it from here.
 */
export { guardObjects, kubeObjects, refuseOtherNamespaces, type GuardOptions, type NamespaceUse } from "../apply/tenant-guard.ts";
