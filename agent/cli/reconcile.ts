/**
 * `rivulet reconcile`: ask the agent to reconcile an object now (optionally its source first) and wait
 * for the result.
 */
import { parseArgs } from "node:util";
import { UsageError, type Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, kindFromWords, sourceKind } from "./cluster-flags.ts";
import type { KubeObject } from "../kube/types.ts";
import { parseDuration } from "../core/duration.ts";
import { readyOf, requestAndWait, specOf, statusOf } from "./object-status.ts";
import { latestImage, revisionOf } from "../status/object-summary.ts";

export const reconcileCommand: Command = {
  path: ["reconcile"],
  summary: "Ask the agent to reconcile an object now and wait for the result",
  help: `Usage: rivulet reconcile source git|oci|bucket|helm|chart NAME [flags]
       rivulet reconcile kustomization NAME [--with-source] [flags]
       rivulet reconcile helmrelease NAME [--with-source] [--force] [--reset] [flags]
       rivulet reconcile receiver NAME [flags]
       rivulet reconcile image repository|policy|update NAME [flags]

Sets reconcile.fluxcd.io/requestedAt, waits until the agent has handled it, and prints the result.

Flags:
      --with-source         reconcile the Kustomization's source (the HelmRelease's chart) first
      --force               HelmRelease: release again once, even when nothing changed (forceAt)
      --reset               HelmRelease: reset the failure counters, so retries start again (resetAt)
      --timeout DURATION    how long to wait (default 5m)
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...CLUSTER_OPTIONS, "with-source": { type: "boolean" }, force: { type: "boolean" }, reset: { type: "boolean" }, timeout: { type: "string", default: "5m" } },
      allowPositionals: true,
    });
    const { info, rest } = kindFromWords(positionals);
    const name = rest[0];
    if (!name) throw new UsageError(`name the ${info.kind} to reconcile`);
    if (info.kind === "Alert" || info.kind === "Provider") throw new UsageError(`${info.kind} objects are not reconciled: Flux's v1beta3 ${info.kind} has no status`);
    const timeoutMs = parseDuration(values.timeout!);
    const { client, namespace } = clusterClient(values);
    if (values["with-source"] && info.kind === "Kustomization") {
      const ks = await client.get({ ...info, namespace, name });
      const ref = specOf(ks ?? ({} as KubeObject)).sourceRef as { kind: string; name: string } | undefined;
      if (!ref) throw new Error(`Kustomization/${namespace}/${name} not found`);
      const src = await requestAndWait(client, sourceKind(ref.kind), namespace, ref.name, timeoutMs, io);
      io.err(`✔ fetched revision ${revisionOf(src)}`);
    }
    const release = info.kind === "HelmRelease";
    if ((values.force || values.reset) && !release) throw new UsageError("--force and --reset apply to a HelmRelease only");
    if (values["with-source"] && release) {
      const hr = await client.get({ ...info, namespace, name });
      if (!hr) throw new Error(`HelmRelease/${namespace}/${name} not found`);
      const ref = specOf(hr).chartRef as { kind: string; name: string } | undefined;
      // spec.chart makes the HelmChart <namespace>-<name>, as helm-controller names it.
      const src = ref ? sourceKind(ref.kind) : sourceKind("HelmChart");
      const fetched = await requestAndWait(client, src, namespace, ref ? ref.name : `${namespace}-${name}`, timeoutMs, io);
      io.err(`✔ fetched revision ${revisionOf(fetched)}`);
    }
    const also = [...(values.force ? ["reconcile.fluxcd.io/forceAt"] : []), ...(values.reset ? ["reconcile.fluxcd.io/resetAt"] : [])];
    const done = await requestAndWait(client, info, namespace, name, timeoutMs, io, also);
    if (info.kind === "Receiver") io.err(`✔ Receiver reconciliation completed: ${readyOf(done)?.message ?? ""}`);
    else if (info.kind === "ImageRepository") io.err(`✔ scan fetched ${(statusOf(done).lastScanResult as { tagCount?: number } | undefined)?.tagCount ?? 0} tags`);
    else if (info.kind === "ImagePolicy") io.err(`✔ selected latest image ${latestImage(done)}`);
    else if (info.kind === "ImageUpdateAutomation") {
      const s = statusOf(done) as { lastPushCommit?: string; lastPushTime?: string };
      io.err(s.lastPushCommit ? `✔ repository up-to-date, last push ${s.lastPushCommit} at ${s.lastPushTime ?? ""}` : `✔ repository up-to-date: ${readyOf(done)?.message ?? ""}`);
    }
    else io.err(info.kind === "Kustomization" || release ? `✔ applied revision ${revisionOf(done)}` : `✔ fetched revision ${revisionOf(done)}`);
    return 0;
  },
};
