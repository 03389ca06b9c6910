/**
 * What the object commands (get, reconcile, suspend/resume, tree) read from a Flux object's spec and
 * status, and the one request they share: ask the agent for a reconcile and wait until it has handled
 * it. They talk to the API server only, so they run with the tenant's own credentials.
 */
import type { CliIO } from "./command.ts";
import type { KindInfo } from "./cluster-flags.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";

type Cond = { type: string; status: string; reason?: string; message?: string; observedGeneration?: number };
const conds = (o: KubeObject) => ((o.status as { conditions?: Cond[] } | undefined)?.conditions ?? []);
export const readyOf = (o: KubeObject) => conds(o).find((c) => c.type === "Ready");
export const specOf = (o: KubeObject) => (o.spec ?? {}) as Record<string, unknown>;
export const statusOf = (o: KubeObject) => (o.status ?? {}) as Record<string, unknown>;

/** Sets reconcile.fluxcd.io/requestedAt and waits until the agent has handled it. */
export async function requestAndWait(
  client: KubeClient,
  info: KindInfo,
  namespace: string,
  name: string,
  timeoutMs: number,
  io: CliIO,
  /** More annotations set to the same request time (a HelmRelease's reconcile.fluxcd.io/forceAt, resetAt). */
  alsoAnnotate: string[] = [],
): Promise<KubeObject> {
  const key = { ...info, namespace, name };
  const obj = await client.get(key);
  if (!obj) throw new Error(`${info.kind}/${namespace}/${name} not found`);
  if (specOf(obj).suspend) throw new Error(`${info.kind}/${namespace}/${name} is suspended: run 'rivulet resume' first`);
  const at = new Date().toISOString();
  io.err(`► annotating ${info.kind} ${name} in ${namespace} namespace`);
  const annotations = Object.fromEntries(["reconcile.fluxcd.io/requestedAt", ...alsoAnnotate].map((a) => [a, at]));
  await client.patch(key, { metadata: { annotations } }, "merge");
  io.err(`✔ ${info.kind} annotated`);
  io.err(`◎ waiting for ${info.kind} reconciliation`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (io.signal.aborted) throw new Error("interrupted");
    const cur = await client.get(key);
    if (!cur) throw new Error(`${info.kind}/${namespace}/${name} was deleted while waiting`);
    const r = readyOf(cur);
    // A failed reconcile leaves observedGeneration alone; its Ready condition still names the generation.
    const current = statusOf(cur).observedGeneration === cur.metadata.generation || r?.observedGeneration === cur.metadata.generation;
    if (statusOf(cur).lastHandledReconcileAt === at && r && r.status !== "Unknown" && current) {
      if (r.status === "True") return cur;
      throw new Error(`${info.kind}/${namespace}/${name} reconciliation failed: ${r.message ?? r.reason}`);
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  // An object no agent ever handled has no conditions at all: say so rather than blame the wait.
  const last = await client.get(key);
  if (last && !Array.isArray(statusOf(last).conditions)) {
    throw new Error(`${info.kind}/${namespace}/${name} not yet reconciled: nothing has handled it within ${timeoutMs / 1000}s (is the agent running in namespace ${namespace}, and does it reconcile ${info.kind} objects?)`);
  }
  throw new Error(`${info.kind}/${namespace}/${name} was not reconciled within ${timeoutMs / 1000}s: is the agent running in namespace ${namespace}?`);
}

