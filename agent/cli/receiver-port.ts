/**
 * Wires the webhook routes (agent/http) to the receiver's handler (agent/receiver) for `rivulet run`:
 * Receivers are found in the Receiver controller's cache while this replica leads, else by a list in
 * the namespace (a standby replica answers hooks too, as every notification-controller replica does).
 */
import type { KubeClient } from "../kube/client.ts";
import type { Logger } from "../core/logger.ts";
import type { EventRecorder } from "../status/events.ts";
import type { WebhookPort } from "../http/webhook-routes.ts";
import { receiverKind } from "../api/receiver.ts";
import { createReceiverHandler, type ReceiverObject } from "../receiver/receiver-handler.ts";

export interface ReceiverPortOptions {
  client: KubeClient;
  namespace: string;
  log: Logger;
  /** The event recorder (created after the port, read when a call is refused). */
  events: () => EventRecorder;
  /** The Receiver controller's cached objects, while leading. */
  cached: () => Iterable<unknown> | undefined;
}

/** The webhook port of one namespace, and whether one of its Receivers owns a path (a multi-tenant host asks each tenant). */
export interface ReceiverPort extends WebhookPort {
  owns(path: string): Promise<boolean>;
}

export function receiverPort(o: ReceiverPortOptions): ReceiverPort {
  const findReceiver = async (path: string) => {
    const items = (o.cached() ?? (await o.client.list({ apiVersion: receiverKind.apiVersion, kind: receiverKind.kind, namespace: o.namespace })).items) as Iterable<ReceiverObject>;
    for (const r of items) if (r.status?.webhookPath === path) return r;
    return undefined;
  };
  const handle = createReceiverHandler({
    client: o.client,
    namespace: o.namespace,
    log: o.log,
    findReceiver,
    report: async (r, message) => o.events().record(r, { type: "Warning", reason: "ReconciliationFailed", message }),
  });
  return { handle, owns: async (path) => (await findReceiver(path)) !== undefined };
}
