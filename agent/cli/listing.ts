/**
 * `rivulet get ...` for a kind listed as a table, as `flux get ...` prints it: the named object, or every
 * one in the namespace, one row each under the kind's headers.
 */
import { parseArgs } from "node:util";
import type { Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, table, type KindInfo } from "./cluster-flags.ts";
import type { KubeObject } from "../kube/types.ts";

export interface Listing {
  info: KindInfo;
  headers: string[];
  row(o: KubeObject): string[];
}

/** The command at `path` (e.g. ["get", "images", "policy"]), named and described after flux's. */
export function listingCommand(path: string[], l: Listing): Command {
  const words = path.join(" ");
  return {
    path,
    summary: `List ${l.info.kind}s with their readiness`,
    help: `Usage: rivulet ${words} [NAME] [flags]

Prints ${l.headers.join(", ")} for each ${l.info.kind}, like 'flux ${words}'.

Flags:
${CLUSTER_HELP}`,
    async run(args, io) {
      const { values, positionals } = parseArgs({ args, options: CLUSTER_OPTIONS, allowPositionals: true });
      const { client, namespace } = clusterClient(values);
      const name = positionals[0];
      const items = name ? [await client.get({ ...l.info, namespace, name })].filter((x): x is KubeObject => Boolean(x)) : (await client.list({ ...l.info, namespace })).items;
      if (items.length === 0) {
        io.err(name ? `✗ ${l.info.kind} ${namespace}/${name} not found` : `no ${l.info.kind} objects found in namespace ${namespace}`);
        return name ? 3 : 0;
      }
      for (const line of table([l.headers, ...items.map(l.row)])) io.out(line);
      return 0;
    },
  };
}
