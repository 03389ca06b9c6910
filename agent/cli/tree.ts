/**
 * `rivulet tree`: a Kustomization's inventory as a tree, nested Kustomizations in the same namespace
 * expanded.
 */
import { parseArgs } from "node:util";
import { UsageError, type CliIO, type Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, kindFromWords } from "./cluster-flags.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { statusOf } from "./object-status.ts";

export const treeCommand: Command = {
  path: ["tree"],
  summary: "Show the objects a Kustomization manages (its inventory)",
  help: `Usage: rivulet tree kustomization NAME [flags]

Prints the Kustomization's inventory as a tree; nested Kustomizations in the same namespace are expanded.

Flags:
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: CLUSTER_OPTIONS, allowPositionals: true });
    const { info, rest } = kindFromWords(positionals);
    if (info.kind !== "Kustomization" || !rest[0]) throw new UsageError("usage: rivulet tree kustomization NAME");
    const { client, namespace } = clusterClient(values);
    const root = await client.get({ ...info, namespace, name: rest[0] });
    if (!root) throw new Error(`Kustomization/${namespace}/${rest[0]} not found`);
    io.out(`Kustomization/${namespace}/${rest[0]}`);
    await printInventory(client, root, "", io, new Set([rest[0]]));
    return 0;
  },
};

async function printInventory(client: KubeClient, ks: KubeObject, indent: string, io: CliIO, seen: Set<string>): Promise<void> {
  const entries = ((statusOf(ks).inventory as { entries?: Array<{ id: string; v: string }> } | undefined)?.entries ?? []).map((e) => {
    const [ns, name, group, kind] = e.id.split("_") as [string, string, string, string];
    return { ns, name, group, kind, v: e.v };
  });
  for (const [i, e] of entries.entries()) {
    const last = i === entries.length - 1;
    io.out(`${indent}${last ? "└── " : "├── "}${e.kind}/${e.ns ? `${e.ns}/` : ""}${e.name}`);
    if (e.kind === "Kustomization" && e.group === "kustomize.toolkit.fluxcd.io" && e.ns === ks.metadata.namespace && !seen.has(e.name)) {
      seen.add(e.name);
      const child = await client.get({ apiVersion: `${e.group}/${e.v}`, kind: e.kind, namespace: e.ns, name: e.name });
      if (child) await printInventory(client, child, `${indent}${last ? "    " : "│   "}`, io, seen);
    }
  }
}
