/**
 * What a call to `/hook/<digest>` does, in notification-controller's order: find the Receiver whose
 * status.webhookPath is the path (404), refuse a suspended or not-ready one (503), read its token and
 * check the call as its type says (400), then ask for a reconcile of each object it names by setting
 * `reconcile.fluxcd.io/requestedAt` (500 when any of them fails). The HTTP layer (agent/http) caps
 * size, concurrency and rate before this runs; this part talks to the API server through the
 * KubeClient port only, in the tenant's namespace only.
 */
import type { KubeClient } from "../kube/client.ts";
import type { Logger } from "../core/logger.ts";
import { formatRef } from "../core/ref.ts";
import { messageOf } from "../core/errors.ts";
import { readSecret } from "../kube/secret.ts";
import type { KubeObject } from "../kube/types.ts";
import type { ReceiverSpec, ReceiverStatus } from "../api/receiver.ts";
import { checkWebhook, type WebhookRequest } from "./receiver-check.ts";
import { planTargets, type Target } from "./receiver-targets.ts";
import { goTimeString } from "./go-time.ts";

/** A Receiver as the KubeClient returns it, typed by agent/api. */
export type ReceiverObject = KubeObject & { spec: ReceiverSpec; status?: ReceiverStatus };

export const REQUESTED_AT = "reconcile.fluxcd.io/requestedAt";

export interface WebhookOutcome {
  status: 200 | 400 | 404 | 500 | 503;
  /** Why, for the log: never the token. */
  message: string;
  /** The objects annotated, as Kind/namespace/name. */
  annotated: string[];
}

export interface ReceiverHandlerOptions {
  client: KubeClient;
  /** The tenant's namespace: the only one read or written. */
  namespace: string;
  /** The Receiver whose status.webhookPath equals `path`, if any. */
  findReceiver(path: string): Promise<ReceiverObject | undefined> | ReceiverObject | undefined;
  log: Logger;
  /** Reports a refused resource entry on the Receiver (a Warning event), so its owner sees it. */
  report?(receiver: ReceiverObject, message: string): Promise<void>;
  now?: () => Date;
}

export type ReceiverHandler = (path: string, req: WebhookRequest) => Promise<WebhookOutcome>;

export function createReceiverHandler(o: ReceiverHandlerOptions): ReceiverHandler {
  const now = o.now ?? (() => new Date());
  return async (path, req) => {
    const outcome = (status: WebhookOutcome["status"], message: string, annotated: string[] = []): WebhookOutcome => ({ status, message, annotated });
    const receiver = await o.findReceiver(path);
    if (!receiver || receiver.metadata.namespace !== o.namespace) return outcome(404, `no Receiver is served on ${path}`);
    const ref = formatRef(receiver);
    const ready = receiver.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (receiver.spec.suspend) return outcome(503, `${ref} is suspended`);
    if (!ready) return outcome(503, `${ref} is not ready`);

    const token = await readToken(o.client, receiver);
    if ("error" in token) return outcome(400, `${ref} unable to validate payload: ${token.error}`);
    const verdict = await checkWebhook({ type: receiver.spec.type, events: receiver.spec.events, token: token.token }, req);
    if (!verdict.ok) return outcome(400, `${ref} unable to validate payload: ${verdict.error}`);

    const plan = planTargets(receiver.spec.resources, receiver.metadata.namespace!);
    const errors = [...plan.refused];
    for (const r of plan.refused) await o.report?.(receiver, `${ref} refused to reconcile ${r}`);
    const annotated: string[] = [];
    const at = goTimeString(now());
    for (const t of plan.targets) {
      try {
        annotated.push(...(await annotate(o.client, t, at)));
      } catch (err) {
        errors.push(messageOf(err));
      }
    }
    const event = verdict.event ? ` (event ${verdict.event})` : "";
    if (errors.length) return outcome(500, `${ref} unable to request reconciliation${event}: ${errors.join("; ")}`, annotated);
    return outcome(200, `${ref} requested reconciliation${event} of ${annotated.length ? annotated.join(", ") : "no objects"}`, annotated);
  };
}

async function readToken(client: KubeClient, r: ReceiverObject): Promise<{ token: string } | { error: string }> {
  const ns = r.metadata.namespace!;
  const name = r.spec.secretRef?.name;
  if (!name) return { error: "secretRef is required" };
  let data: Record<string, string>;
  try {
    data = await readSecret(client, ns, name, formatRef(r));
  } catch (err) {
    return { error: `unable to read secret, error: ${messageOf(err)}` };
  }
  if (data.token === undefined) return { error: `invalid "${ns}/${name}" secret data: required field 'token'` };
  return { token: data.token };
}

/** Sets the request annotation on the target's objects; a label selection that matches none is no error (as Flux). */
async function annotate(client: KubeClient, t: Target, at: string): Promise<string[]> {
  const kind = { apiVersion: t.apiVersion, kind: t.kind, namespace: t.namespace };
  let names: string[];
  if ("name" in t) {
    const obj = await client.get({ ...kind, name: t.name }).catch((err: unknown) => {
      throw new Error(`unable to read ${t.kind} "${t.namespace}/${t.name}" error: ${messageOf(err)}`);
    });
    if (!obj) throw new Error(`unable to read ${t.kind} "${t.namespace}/${t.name}" error: not found`);
    names = [t.name];
  } else {
    const list = await client.list(kind, { labelSelector: t.labelSelector }).catch((err: unknown) => {
      throw new Error(`failed listing resources in namespace "${t.namespace}" by matching labels "${t.labelSelector}": ${messageOf(err)}`);
    });
    names = list.items.map((i) => i.metadata.name!);
  }
  const done: string[] = [];
  for (const name of names) {
    try {
      await client.patch({ ...kind, name }, { metadata: { annotations: { [REQUESTED_AT]: at } } }, "merge");
    } catch (err) {
      throw new Error(`failed to annotate resource: '${t.kind}/${name}.${t.namespace}': ${messageOf(err)}`);
    }
    done.push(`${t.kind}/${t.namespace}/${name}`);
  }
  return done;
}
