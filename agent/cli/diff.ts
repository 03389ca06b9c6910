/**
 * `rivulet diff build DIR --namespace NS [--kubeconfig F] [--field-manager M] [--show-secrets]`: what
 * applying the build of DIR would change in the cluster. DIR is built like a Flux Kustomization with
 * `path: DIR` (agent/build/flux-build.ts); each object is dry-run with server-side apply (force, rivulet's
 * field manager) and the result diffed against the live object, Secret values masked. Prints one unified
 * diff per changed object; exit code 1 when anything would change (like `flux diff`), 0 when nothing would,
 * 3 on errors. Objects without a namespace get NS; objects in another namespace are refused (tenancy).
 * `rivulet diff kustomization NAME` will take the spec (and its owner labels) from the cluster once the
 * Kustomization reconciler exists.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { fluxBuild } from "../build/flux-build.ts";
import { formatRef } from "../core/ref.ts";
import { normalizeObject } from "../diff/canonical.ts";
import { diffObjects } from "../diff/diff-objects.ts";
import { DEFAULTS as CACHE_DEFAULTS } from "../diff/live-cache.ts";
import { createHttpClient } from "../kube/http-client.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { connect } from "../runtime/kube-transport.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { loadDirTree } from "./build.ts";
import { UsageError, type Command } from "./command.ts";

export interface DiffBuildResult {
  /** Unified diffs of the objects that would change, in build order. */
  diffs: string[];
  unchanged: number;
}

/** Dry-runs each object and diffs it against the live one. */
export async function diffBuild(client: KubeClient, objects: KubeObject[], fieldManager: string, maskSecrets: boolean): Promise<DiffBuildResult> {
  const diffs: string[] = [];
  let unchanged = 0;
  for (const o of objects) {
    const body = normalizeObject(o) as KubeObject;
    const key = { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, namespace: o.metadata.namespace };
    let merged: KubeObject;
    try {
      merged = await client.apply(body, { fieldManager, force: true, dryRun: true });
    } catch (cause) {
      throw new Error(`${formatRef(o)} dry-run failed: ${(cause as Error).message}`, { cause });
    }
    const live = await client.get(key);
    const d = diffObjects(merged, live, { maskSecrets });
    if (d) diffs.push(d);
    else unchanged++;
  }
  return { diffs, unchanged };
}

export const diffCommand: Command = {
  path: ["diff"],
  summary: "Show what the next apply of a build would change in the cluster (exit 1 on drift)",
  help: `Usage: rivulet diff build DIR --namespace NS [--kubeconfig FILE] [--field-manager NAME] [--show-secrets]

Builds DIR as a Flux Kustomization with path DIR would, dry-runs every object with server-side apply and
prints a unified diff of each object that would change (live -> merged). Secret values are masked.
Exit code 1 when anything would change, 0 when nothing would, 3 on errors.

Flags:
  -n, --namespace NS     the tenant namespace: objects without one get it, objects in others are refused
  --kubeconfig FILE      kubeconfig to use (default: KUBECONFIG, ~/.kube/config, in-cluster)
  --field-manager NAME   field manager of the dry-run (default ${CACHE_DEFAULTS.fieldManager})
  --show-secrets         print Secret values instead of masking them`,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: {
          namespace: { type: "string", short: "n" },
          kubeconfig: { type: "string" },
          "field-manager": { type: "string" },
          "show-secrets": { type: "boolean" },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const [sub, dirArg, ...rest] = parsed.positionals;
    if (sub === "kustomization") throw new UsageError("rivulet diff kustomization NAME needs the Kustomization reconciler; use rivulet diff build DIR for now");
    if (sub !== "build" || !dirArg || rest.length) throw new UsageError("expected: rivulet diff build DIR --namespace NS");
    const namespace = parsed.values.namespace as string | undefined;
    if (!namespace) throw new UsageError("--namespace is required");
    const fieldManager = (parsed.values["field-manager"] as string | undefined) ?? CACHE_DEFAULTS.fieldManager;
    try {
      const tree = loadDirTree(resolve(io.cwd, dirArg));
      const built = await fluxBuild(tree, { path: "" }, { emit: emitDocuments });
      const kubeconfig = (parsed.values.kubeconfig as string | undefined) ?? io.env.KUBECONFIG;
      const client = createHttpClient({ transport: connect(kubeconfig ? { kubeconfig } : {}).transport });
      const objects: KubeObject[] = [];
      for (const o of built.objects as KubeObject[]) {
        const info = await client.resource(o.apiVersion, o.kind);
        if (!info.namespaced) throw new Error(`${formatRef(o)} is cluster-scoped: a tenant diff covers namespace ${namespace} only`);
        const ns: string = o.metadata.namespace ?? namespace;
        if (ns !== namespace) throw new Error(`${formatRef(o)} is in another namespace than ${namespace}`);
        objects.push({ ...o, metadata: { ...o.metadata, namespace: ns } });
      }
      const result = await diffBuild(client, objects, fieldManager, !parsed.values["show-secrets"]);
      for (const d of result.diffs) io.out(d.replace(/\n$/, ""));
      io.err(`${result.diffs.length} object(s) would change, ${result.unchanged} unchanged`);
      return result.diffs.length ? 1 : 0;
    } catch (err) {
      io.err(`Error: ${(err as Error).message}`);
      return 3;
    }
  },
};
