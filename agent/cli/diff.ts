/**
 * `rivulet diff build DIR --namespace NS [--kubeconfig F] [--field-manager M] [--show-secrets]`: what
 * applying the build of DIR would change in the cluster. DIR is built like a Flux Kustomization with
 * `path: DIR` (agent/kustomize/flux-build.ts); each object is dry-run with server-side apply (force, rivulet's
 * field manager) and the result diffed against the live object, Secret values masked. Prints one unified
 * diff per changed object; exit code 1 when anything would change (like `flux diff`), 0 when nothing would,
 * 3 on errors. Objects without a namespace get NS; objects in another namespace are refused (tenancy).
 * `rivulet diff kustomization NAME [--path DIR]` takes the Kustomization's spec from the cluster and builds
 * its source artifact (fetched from status.artifact.url and digest-checked) or, with --path, a local
 * directory standing in for spec.path: exactly the objects, owner labels included, the agent would apply.
 * Both decrypt SOPS-encrypted data as the agent does: with `--decrypt-key FILE` (repeatable), or for
 * `kustomization` without it, with the keys of its spec.decryption Secret (read with your credentials).
 * Decrypted Secret values stay masked unless --show-secrets.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { fluxBuild } from "../kustomize/flux-build.ts";
import { formatRef } from "../core/ref.ts";
import { normalizeObject } from "../diff/canonical.ts";
import { diffObjects } from "../diff/diff-objects.ts";
import { DEFAULTS as CACHE_DEFAULTS } from "../diff/live-cache.ts";
import { createHttpClient } from "../kube/http-client.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { connect } from "../runtime/kube-transport.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { decryptionFromKeyFiles, dirTree, readKeyFiles } from "./build.ts";
import { UsageError, type CliIO, type Command } from "./command.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import { fsTreeReader } from "../runtime/artifact-fs.ts";
import { unpack } from "../artifact/unpack.ts";
import { artifactOf } from "../storage/artifact-of.ts";
import { withOwnerLabels } from "../apply/apply-all.ts";
import { buildKustomizationObjects, type KustomizationObject } from "../reconcile/kustomization-build.ts";
import { actingClient } from "../reconcile/service-account.ts";
import { kustomizationKind } from "../api/kustomization.ts";
import { sourceKind } from "./cluster-flags.ts";
import { keyringFromKeyFiles } from "../reconcile/decryption-keys.ts";
import { buildDecryption } from "../reconcile/kustomization-decrypt.ts";

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

/** Prints each diff, then the counts on stderr; exit code 1 when anything would change (as `flux diff`). */
function printDiffs(result: DiffBuildResult, io: CliIO): number {
  for (const d of result.diffs) io.out(d.replace(/\n$/, ""));
  io.err(`${result.diffs.length} object(s) would change, ${result.unchanged} unchanged`);
  return result.diffs.length ? 1 : 0;
}

export const diffCommand: Command = {
  path: ["diff"],
  summary: "Show what the next apply of a build would change in the cluster (exit 1 on drift)",
  help: `Usage: rivulet diff kustomization NAME [-n NS] [--path DIR] [flags]
       rivulet diff build DIR --namespace NS [flags]

'kustomization' builds what the agent would apply for the Kustomization NAME: its spec from the cluster
and its source's artifact (or, with --path, a local directory in place of spec.path).

Builds DIR as a Flux Kustomization with path DIR would, dry-runs every object with server-side apply and
prints a unified diff of each object that would change (live -> merged). Secret values are masked.
Exit code 1 when anything would change, 0 when nothing would, 3 on errors.

Flags:
  -n, --namespace NS     the tenant namespace: objects without one get it, objects in others are refused
  --path DIR             (kustomization) build this local directory instead of the source's spec.path
  --kubeconfig FILE      kubeconfig to use (default: KUBECONFIG, ~/.kube/config, in-cluster)
  --field-manager NAME   field manager of the dry-run (default ${CACHE_DEFAULTS.fieldManager})
  --show-secrets         print Secret values instead of masking them
  --decrypt-key FILE     decrypt SOPS-encrypted data with the age identities or OpenPGP key in FILE
                         (repeatable); 'kustomization' otherwise uses its spec.decryption Secret`,
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
          path: { type: "string" },
          context: { type: "string" },
          "decrypt-key": { type: "string", multiple: true },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const [sub, dirArg, ...rest] = parsed.positionals;
    if ((sub === "kustomization" || sub === "ks") && dirArg && !rest.length) {
      return diffKustomization(dirArg, parsed.values as DiffFlags, io);
    }
    if (sub !== "build" || !dirArg || rest.length) throw new UsageError("expected: rivulet diff kustomization NAME, or rivulet diff build DIR --namespace NS");
    const namespace = parsed.values.namespace as string | undefined;
    if (!namespace) throw new UsageError("--namespace is required");
    const fieldManager = (parsed.values["field-manager"] as string | undefined) ?? CACHE_DEFAULTS.fieldManager;
    try {
      // Without keys, encrypted objects are refused as the agent refuses them, not dry-run as ciphertext.
      const decryption = (await decryptionFromKeyFiles(io.cwd, parsed.values["decrypt-key"] as string[] | undefined)) ?? buildDecryption(undefined);
      const tree = dirTree(resolve(io.cwd, dirArg));
      const built = await fluxBuild(tree, { path: "" }, { emit: emitDocuments, ...decryption.hooks });
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
      return printDiffs(await diffBuild(client, objects, fieldManager, !parsed.values["show-secrets"]), io);
    } catch (err) {
      io.err(`Error: ${(err as Error).message}`);
      return 3;
    }
  },
};

type DiffFlags = Record<string, string | boolean | string[] | undefined>;

async function diffKustomization(name: string, v: DiffFlags, io: CliIO): Promise<number> {
  const conn = connect({ kubeconfig: (v.kubeconfig as string | undefined) ?? io.env.KUBECONFIG, context: v.context as string | undefined });
  const client = createHttpClient({ transport: conn.transport });
  const namespace = (v.namespace as string | undefined) ?? conn.namespace ?? "default";
  const fieldManager = (v["field-manager"] as string | undefined) ?? CACHE_DEFAULTS.fieldManager;
  try {
    // The API server validated it against the Kustomization schema on write.
    const ks = (await client.get({ apiVersion: kustomizationKind.apiVersion, kind: kustomizationKind.kind, namespace, name })) as KustomizationObject | undefined;
    if (!ks) throw new Error(`Kustomization/${namespace}/${name} not found`);
    let files: TreeReader;
    let spec = ks;
    if (v.path) {
      files = fsTreeReader(resolve(io.cwd, v.path as string), { cacheFiles: true });
      spec = { ...ks, spec: { ...ks.spec, path: "" } };
    } else {
      const ref = ks.spec.sourceRef;
      const src = await client.get({ ...sourceKind(ref.kind), namespace, name: ref.name });
      const artifact = artifactOf(src);
      if (!artifact) throw new Error(`${ref.kind}/${namespace}/${ref.name} has no artifact yet: wait for the agent, or pass --path DIR`);
      const res = await fetch(artifact.url).catch((err) => {
        throw new Error(`Cannot download the artifact from ${artifact.url}: ${(err as Error).message}; pass --path DIR to diff a local directory`);
      });
      if (!res.ok) throw new Error(`Cannot download the artifact from ${artifact.url}: HTTP ${res.status}`);
      files = await unpack(new Uint8Array(await res.arrayBuffer()), { digest: artifact.digest as `sha256:${string}` });
    }
    const acting = actingClient(client, ks);
    const keyring = v["decrypt-key"] ? await keyringFromKeyFiles(readKeyFiles(io.cwd, v["decrypt-key"] as string[])) : undefined;
    const { objects } = await buildKustomizationObjects(acting, spec, files, "local", { allowedClusterKinds: [], keyring });
    const labelled = objects.map((o) => withOwnerLabels(o, { name, namespace }));
    return printDiffs(await diffBuild(acting, labelled, fieldManager, !v["show-secrets"]), io);
  } catch (err) {
    io.err(`Error: ${(err as Error).message}`);
    return 3;
  }
}
