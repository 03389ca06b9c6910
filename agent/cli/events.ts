/**
 * `rivulet events`: the Events rivulet recorded about its objects in a namespace, oldest first.
 */
import { parseArgs } from "node:util";
import type { Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, table } from "./cluster-flags.ts";

export const eventsCommand: Command = {
  path: ["events"],
  summary: "Show the events rivulet recorded in a namespace",
  help: `Usage: rivulet events [--for KIND/NAME] [flags]

Lists the namespace's Events about rivulet's objects, oldest first: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE.

Flags:
      --for KIND/NAME       only events about this object, e.g. Kustomization/apps
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { ...CLUSTER_OPTIONS, for: { type: "string" } } });
    const { client, namespace } = clusterClient(values);
    const fluxKinds = new Set(["GitRepository", "OCIRepository", "Bucket", "HelmRepository", "HelmChart", "Kustomization", "HelmRelease", "Alert", "Provider", "Receiver"]);
    const items = (await client.list({ apiVersion: "v1", kind: "Event", namespace })).items.filter((e) => {
      const inv = e.involvedObject as { kind: string; name: string };
      if (values.for) return `${inv.kind}/${inv.name}` === values.for;
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
