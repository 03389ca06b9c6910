/**
 * The notification kinds on the command line, as `flux` has them:
 * - `rivulet get alerts|alert-providers|receivers`: flux get's columns (NAME, SUSPENDED, READY, MESSAGE;
 *   providers have no SUSPENDED). Flux's v1beta3 Alerts and Providers carry no status, so `flux` shows
 *   them as "True" with "Alert is Ready" / "Provider is Ready"; a Ready condition, where the agent
 *   writes one, is shown instead.
 * - `rivulet create alert|alert-provider|receiver NAME`: flux create's flags, applied with server-side
 *   apply or printed with --export; a created Receiver is waited for and its webhook path printed.
 * reconcile, suspend and resume of these kinds go through the shared commands (cluster-flags.ts names them).
 */
import { parseArgs } from "node:util";
import { listingCommand, type Listing } from "./listing.ts";
import { UsageError, type Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, NOTIFICATION_KINDS } from "./cluster-flags.ts";
import type { KubeObject } from "../kube/types.ts";
import { parseDuration } from "../core/duration.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { RECEIVER_TYPES } from "../api/receiver.ts";
import { PROVIDER_TYPES } from "../api/provider.ts";
import { readyOf, requestAndWait, specOf, statusOf } from "./object-status.ts";

const ALERT = NOTIFICATION_KINDS.alert!;
const PROVIDER = NOTIFICATION_KINDS["alert-provider"]!;
const RECEIVER = NOTIFICATION_KINDS.receiver!;
const title = (b: boolean) => (b ? "True" : "False");

const LISTINGS: Record<string, Listing> = {
  alerts: {
    info: ALERT,
    headers: ["NAME", "SUSPENDED", "READY", "MESSAGE"],
    row: (o) => [o.metadata.name!, title(Boolean(specOf(o).suspend)), readyOf(o)?.status ?? "True", readyOf(o)?.message ?? "Alert is Ready"],
  },
  "alert-providers": {
    info: PROVIDER,
    headers: ["NAME", "READY", "MESSAGE"],
    row: (o) => [o.metadata.name!, readyOf(o)?.status ?? "True", readyOf(o)?.message ?? "Provider is Ready"],
  },
  receivers: {
    info: RECEIVER,
    headers: ["NAME", "SUSPENDED", "READY", "MESSAGE"],
    row: (o) => [o.metadata.name!, title(Boolean(specOf(o).suspend)), readyOf(o)?.status ?? "False", readyOf(o)?.message ?? "waiting to be reconciled"],
  },
};

/** `Kind/name` or `Kind/namespace/name` as flux's ParseObjectKindNameNamespace reads it. */
function objectRef(flag: string, text: string, withNamespace: boolean): { kind: string; name: string; namespace?: string } {
  const parts = text.split("/");
  const ok = parts.every(Boolean) && (parts.length === 2 || (withNamespace && parts.length === 3));
  if (!ok) throw new UsageError(`invalid ${flag} '${text}', must be in format <kind>/<name>`);
  return parts.length === 3 ? { kind: parts[0]!, namespace: parts[1]!, name: parts[2]! } : { kind: parts[0]!, name: parts[1]! };
}
const list = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);

const CREATE_OPTIONS = {
  ...CLUSTER_OPTIONS,
  export: { type: "boolean" },
  label: { type: "string", multiple: true },
  timeout: { type: "string", default: "5m" },
  // alert
  "provider-ref": { type: "string" },
  "event-severity": { type: "string" },
  "event-source": { type: "string", multiple: true },
  // alert-provider
  type: { type: "string" },
  channel: { type: "string" },
  username: { type: "string" },
  address: { type: "string" },
  "secret-ref": { type: "string" },
  // receiver
  event: { type: "string", multiple: true },
  resource: { type: "string", multiple: true },
} as const;

type CreateValues = { [K in keyof typeof CREATE_OPTIONS]?: (typeof CREATE_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof CREATE_OPTIONS)[K] extends { type: "boolean" } ? boolean : string };

/** The object `flux create <word>` makes from these flags. */
export function notificationObject(word: string, name: string, namespace: string, v: CreateValues): KubeObject {
  const labels = Object.fromEntries(
    list(v.label).map((l) => {
      const [k, val, extra] = l.split("=");
      if (!k || val === undefined || extra !== undefined) throw new UsageError(`invalid label format '${l}', must be key=value`);
      return [k, val];
    }),
  );
  const metadata = { name, namespace, ...(Object.keys(labels).length ? { labels } : {}) };
  if (word === "alert") {
    if (!v["provider-ref"]) throw new UsageError("provider ref is required");
    const eventSources = list(v["event-source"]).map((t) => objectRef("event source", t, true));
    if (!eventSources.length) throw new UsageError("at least one event source is required");
    if (v["event-severity"] && !["info", "error"].includes(v["event-severity"])) throw new UsageError(`--event-severity must be info or error, not "${v["event-severity"]}"`);
    return { apiVersion: ALERT.apiVersion, kind: ALERT.kind, metadata, spec: { providerRef: { name: v["provider-ref"] }, ...(v["event-severity"] ? { eventSeverity: v["event-severity"] } : {}), eventSources } };
  }
  if (word === "alert-provider") {
    if (!v.type) throw new UsageError("Provider type is required");
    if (!(PROVIDER_TYPES as readonly string[]).includes(v.type)) throw new UsageError(`--type must be one of ${PROVIDER_TYPES.join(", ")}, not "${v.type}"`);
    const spec = { type: v.type, ...(v.channel ? { channel: v.channel } : {}), ...(v.username ? { username: v.username } : {}), ...(v.address ? { address: v.address } : {}), ...(v["secret-ref"] ? { secretRef: { name: v["secret-ref"] } } : {}) };
    return { apiVersion: PROVIDER.apiVersion, kind: PROVIDER.kind, metadata, spec };
  }
  if (!v.type) throw new UsageError("Receiver type is required");
  if (!(RECEIVER_TYPES as readonly string[]).includes(v.type)) throw new UsageError(`--type must be one of ${RECEIVER_TYPES.join(", ")}, not "${v.type}"`);
  if (!v["secret-ref"]) throw new UsageError("secret ref is required");
  const resources = list(v.resource).map((t) => objectRef("resource", t, false));
  if (!resources.length) throw new UsageError("atleast one resource is required");
  const events = list(v.event);
  return { apiVersion: RECEIVER.apiVersion, kind: RECEIVER.kind, metadata, spec: { type: v.type, ...(events.length ? { events } : {}), resources, secretRef: { name: v["secret-ref"] } } };
}

const CREATE_HELP: Record<string, string> = {
  alert: `Usage: rivulet create alert NAME --provider-ref PROVIDER --event-source KIND/NAME [--event-severity info|error] [flags]

Flags:
      --provider-ref NAME   the Provider that receives the events (required)
      --event-source KIND/NAME  objects whose events are sent (KIND/NAMESPACE/NAME too), repeatable or comma-separated
      --event-severity S    info (all events) or error (only errors)`,
  "alert-provider": `Usage: rivulet create alert-provider NAME --type TYPE [--channel C] [--username U] [--address URL] [--secret-ref S] [flags]

Flags:
      --type TYPE           slack, generic, generic-hmac, github, ... (required)
      --channel C           channel to send messages to, for chat providers
      --username U          bot username used by the provider
      --address URL         the webhook, chat API or git repository URL
      --secret-ref NAME     Secret with the token (and address, headers, ...)`,
  receiver: `Usage: rivulet create receiver NAME --type TYPE --secret-ref S --resource KIND/NAME [--event E] [flags]

Creates the Receiver, waits until the agent has made it Ready, and prints its webhook path.

Flags:
      --type TYPE           ${RECEIVER_TYPES.join(", ")} (required)
      --secret-ref NAME     Secret whose key token checks the calls and salts the path (required)
      --resource KIND/NAME  objects to reconcile on a call, repeatable or comma-separated (required)
      --event E             event types to act on (e.g. push, "Push Hook"), repeatable or comma-separated
      --timeout DURATION    how long to wait for the Receiver (default 5m)`,
};

function createCommand(word: string): Command {
  const info = NOTIFICATION_KINDS[word]!;
  return {
    path: ["create", word],
    summary: `Create ${info.kind === "Alert" ? "an" : "a"} ${info.kind} (or print it with --export)`,
    help: `${CREATE_HELP[word]}
      --label KEY=VALUE     labels on the object, repeatable or comma-separated
      --export              print YAML instead of creating
${CLUSTER_HELP}`,
    async run(args, io) {
      const { values, positionals } = parseArgs({ args, options: CREATE_OPTIONS, allowPositionals: true });
      const name = positionals[0];
      if (!name) throw new UsageError(`name the ${info.kind} to create`);
      const timeoutMs = parseDuration(values.timeout!);
      const namespace = values.namespace ?? (values.export ? "default" : clusterClient(values).namespace);
      const obj = notificationObject(word, name, namespace, values);
      if (values.export) {
        io.out(emitDocuments([obj]));
        return 0;
      }
      const { client } = clusterClient(values);
      io.err(`► applying ${info.kind} ${name} in ${namespace} namespace`);
      await client.apply(obj, { fieldManager: "rivulet-cli" });
      io.err(`✔ ${info.kind} created`);
      if (info !== RECEIVER) return 0;
      const done = await requestAndWait(client, info, namespace, name, timeoutMs, io);
      io.err(`✔ Receiver ${name} is ready`);
      io.err(`✔ generated webhook URL ${String(statusOf(done).webhookPath ?? "")}`);
      return 0;
    },
  };
}

export const notificationCommands: { get: Command[]; create: Command[] } = {
  get: Object.entries(LISTINGS).map(([word, l]) => listingCommand(["get", word], l)),
  create: Object.keys(NOTIFICATION_KINDS).map(createCommand),
};
