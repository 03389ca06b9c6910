/**
 * `rivulet suspend` and `rivulet resume`: set spec.suspend; resume then waits for a reconcile. One
 * factory, because the two commands differ only in the value they set and that wait.
 */
import { parseArgs } from "node:util";
import { UsageError, type Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, kindFromWords } from "./cluster-flags.ts";
import { parseDuration } from "../core/duration.ts";
import { readyOf, requestAndWait } from "./object-status.ts";

function suspendResume(suspend: boolean): Command {
  const verb = suspend ? "suspend" : "resume";
  return {
    path: [verb],
    summary: suspend ? "Stop reconciling an object until it is resumed" : "Resume a suspended object and wait for it to reconcile",
    help: `Usage: rivulet ${verb} source git|oci|bucket|helm|chart NAME [flags]
       rivulet ${verb} kustomization NAME [flags]
       rivulet ${verb} helmrelease NAME [flags]
       rivulet ${verb} receiver|alert|alert-provider NAME [flags]
       rivulet ${verb} image repository|policy|update NAME [flags]

Sets spec.suspend to ${suspend}${suspend ? "" : ", then waits for a reconcile"}.

Flags:
${suspend ? "" : "      --timeout DURATION    how long to wait (default 5m)\n"}${CLUSTER_HELP}`,
    async run(args, io) {
      const { values, positionals } = parseArgs({ args, options: { ...CLUSTER_OPTIONS, timeout: { type: "string", default: "5m" } }, allowPositionals: true });
      const { info, rest } = kindFromWords(positionals);
      const name = rest[0];
      if (!name) throw new UsageError(`name the ${info.kind} to ${verb}`);
      const { client, namespace } = clusterClient(values);
      const key = { ...info, namespace, name };
      if (!(await client.get(key))) throw new Error(`${info.kind}/${namespace}/${name} not found`);
      io.err(`► ${suspend ? "suspending" : "resuming"} ${info.kind} ${name} in ${namespace} namespace`);
      await client.patch(key, { spec: { suspend } }, "merge");
      io.err(`✔ ${info.kind} ${suspend ? "suspended" : "resumed"}`);
      // Flux's v1beta3 Alerts and Providers are static: there is no reconcile to wait for.
      if (!suspend && info.kind !== "Alert" && info.kind !== "Provider") {
        const done = await requestAndWait(client, info, namespace, name, parseDuration(values.timeout!), io);
        io.err(`✔ ${info.kind} reconciliation completed: ${readyOf(done)?.message ?? ""}`);
      }
      return 0;
    },
  };
}

export const suspendCommand = suspendResume(true);
export const resumeCommand = suspendResume(false);
