/**
 * The tenant guard moved to agent/apply/tenant-guard.ts so Helm's actions (agent/release/) share it;
 * this name stays for the reconcilers that import it from here.
 */
export { guardObjects, kubeObjects, type GuardOptions } from "../apply/tenant-guard.ts";
