/**
 * `rivulet get`: sources, Kustomizations or HelmReleases with their revision, suspension and readiness, like
 * `flux get`.
 */
import { parseArgs } from "node:util";
import { UsageError, type Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, HELM_RELEASE, KUSTOMIZATION, SOURCE_KINDS, table, type KindInfo } from "./cluster-flags.ts";
import type { KubeObject } from "../kube/types.ts";
import { isNotFound } from "../kube/api-error.ts";
import { readyOf, specOf } from "./object-status.ts";
import { revisionOf } from "../status/object-summary.ts";

function rowOf(o: KubeObject): string[] {
  const r = readyOf(o);
  return [o.metadata.name!, revisionOf(o), String(Boolean(specOf(o).suspend)), r?.status ?? "Unknown", r?.message ?? "waiting to be reconciled"];
}

export const getCommand: Command = {
  path: ["get"],
  summary: "List sources, Kustomizations or HelmReleases with their revision and readiness",
  help: `Usage: rivulet get sources git|oci|bucket|helm|chart|all [NAME] [flags]
       rivulet get kustomizations [NAME] [flags]
       rivulet get helmreleases [NAME] [flags]

Prints NAME, REVISION, SUSPENDED, READY and MESSAGE for each object, like 'flux get'.

Flags:
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: CLUSTER_OPTIONS, allowPositionals: true });
    const { client, namespace } = clusterClient(values);
    let kinds: KindInfo[];
    let name: string | undefined;
    if (positionals[0] === "sources") {
      const which = positionals[1] ?? "all";
      kinds = which === "all" ? Object.values(SOURCE_KINDS) : [SOURCE_KINDS[which]!];
      if (!kinds[0]) throw new UsageError(`unknown source kind "${which}": use git, oci, bucket, helm, chart or all`);
      name = positionals[2];
    } else if (["kustomizations", "kustomization", "ks"].includes(positionals[0] ?? "")) {
      kinds = [KUSTOMIZATION];
      name = positionals[1];
    } else if (["helmreleases", "helmrelease", "hr"].includes(positionals[0] ?? "")) {
      kinds = [HELM_RELEASE];
      name = positionals[1];
    } else {
      throw new UsageError(`say what to get: "sources git|oci|bucket|helm|chart|all", "kustomizations", "helmreleases", "receivers", "alerts", "alert-providers" or "images repository|policy"`);
    }
    let printed = 0;
    for (const k of kinds) {
      // "sources all" on a cluster whose CRDs predate a kind (HelmRepository, HelmChart) lists the others.
      const all = kinds.length > 1;
      const items = name
        ? [await client.get({ ...k, namespace, name })].filter((x): x is KubeObject => Boolean(x))
        : (await client.list({ ...k, namespace }).catch((err: unknown) => (all && isNotFound(err) ? { items: [] } : Promise.reject(err)))).items;
      if (items.length === 0) continue;
      if (kinds.length > 1) io.out(`${k.kind}:`);
      for (const line of table([["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"], ...items.map(rowOf)])) io.out(line);
      printed += items.length;
    }
    if (printed === 0) {
      io.err(name ? `✗ ${kinds.map((k) => k.kind).join("/")} ${namespace}/${name} not found` : `no objects found in namespace ${namespace}`);
      return name ? 3 : 0;
    }
    return 0;
  },
};
