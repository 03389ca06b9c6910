/**
 * `rivulet events`: the Events rivulet recorded about its objects in a namespace, oldest first.
 */
import { parseArgs } from "node:util";
import type { Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, NOTIFICATION_KINDS, table } from "./cluster-flags.ts";
import type { KubeClient } from "../kube/client.ts";

export const eventsCommand: Command = {
  path: ["events"],
  summary: "Show the events rivulet recorded in a namespace",
  help: `Usage: rivulet events [--for KIND/NAME] [flags]

Lists the namespace's Events about rivulet's objects, oldest first: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE.
As 'flux events --for', an Alert's events come with its Provider's, so failed deliveries
(NotificationDispatchFailed) and the Provider's own state show together.

Flags:
      --for KIND/NAME       only events about this object, e.g. Kustomization/apps
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { ...CLUSTER_OPTIONS, for: { type: "string" } } });
    const { client, namespace } = clusterClient(values);
    const fluxKinds = new Set(["GitRepository", "OCIRepository", "Bucket", "HelmRepository", "HelmChart", "Kustomization", "HelmRelease", "Alert", "Provider", "Receiver"]);
    const wanted = values.for ? [values.for, ...(await relatedOf(client, namespace, values.for))] : [];
    const items = (await client.list({ apiVersion: "v1", kind: "Event", namespace })).items.filter((e) => {
      const inv = e.involvedObject as { kind: string; name: string };
      if (values.for) return wanted.includes(`${inv.kind}/${inv.name}`);
      return fluxKinds.has(inv.kind);
    });
    items.sort((a, b) => String(a.lastTimestamp ?? "").localeCompare(String(b.lastTimestamp ?? "")));
    const now = Date.now();
    const age = (ts: unknown) => {
      const s = Math.max(0, Math.round((now - Date.parse(String(ts))) / 1000));
      return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
    };
    const rows = items.map((e) => {
      const inv = e.involvedObject as { kind: string; name: string };
      return [age(e.lastTimestamp), String(e.type), String(e.reason), `${inv.kind}/${inv.name}`, String(e.message).replace(/\n/g, "; ")];
    });
    if (rows.length === 0) {
      io.err(`no events found in namespace ${namespace}`);
      return 0;
    }
    for (const line of table([["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], ...rows])) io.out(line);
    return 0;
  },
};

/** The objects whose events `flux events --for` shows with an object's: an Alert's Provider. */
async function relatedOf(client: KubeClient, namespace: string, ref: string): Promise<string[]> {
  const [kind, name] = ref.split("/");
  if (kind !== "Alert" || !name) return [];
  const alert = await client.get({ ...NOTIFICATION_KINDS.alert!, namespace, name });
  const provider = (alert?.spec as { providerRef?: { name?: string } } | undefined)?.providerRef?.name;
  return provider ? [`Provider/${provider}`] : [];
}
