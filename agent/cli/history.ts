/**
 * `rivulet history helmrelease NAME`: the release revisions a HelmRelease records in status.history,
 * newest first, as helm-controller keeps them (back to the last successful release): revision, status,
 * chart, app version, when it was deployed and the release's digest. Read from the HelmRelease, not
 * from the release Secrets, so it needs no access to Secrets.
 */
import { parseArgs } from "node:util";
import { UsageError, type Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, kindFromWords, table } from "./cluster-flags.ts";
import type { HelmReleaseSnapshot } from "../api/helm-release.ts";
import { sortByVersion, versionedChartName } from "../reconcile/helm-release-history.ts";

export const historyCommand: Command = {
  path: ["history"],
  summary: "Show the release history of a HelmRelease",
  help: `Usage: rivulet history helmrelease NAME [flags]

Lists status.history newest first: REVISION, STATUS, CHART, APP VERSION, DEPLOYED, DIGEST.

Flags:
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...CLUSTER_OPTIONS }, allowPositionals: true });
    const { info, rest } = kindFromWords(positionals);
    if (info.kind !== "HelmRelease") throw new UsageError(`history is kept for HelmReleases only, not ${info.kind}`);
    const name = rest[0];
    if (!name) throw new UsageError("name the HelmRelease");
    const { client, namespace } = clusterClient(values);
    const hr = await client.get({ ...info, namespace, name });
    if (!hr) throw new Error(`HelmRelease/${namespace}/${name} not found`);
    const history = sortByVersion(((hr.status ?? {}) as { history?: HelmReleaseSnapshot[] }).history ?? []);
    if (history.length === 0) {
      io.err(`HelmRelease/${namespace}/${name} has no release history yet`);
      return 0;
    }
    const rows = history.map((h) => [String(h.version), h.status, versionedChartName(h), h.appVersion ?? "", h.lastDeployed, h.digest]);
    for (const line of table([["REVISION", "STATUS", "CHART", "APP VERSION", "DEPLOYED", "DIGEST"], ...rows])) io.out(line);
    return 0;
  },
};
