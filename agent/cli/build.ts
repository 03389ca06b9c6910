/**
 * `rivulet build DIR [--root DIR] [--kustomization FILE] [--vars K=V ...] [--strict]`: the same objects as
 * `kubectl kustomize DIR`, as a YAML stream on stdout. Bases and components may lie anywhere inside the
 * boundary (build-root.ts: the enclosing git repository or --root). A DIR without a kustomization builds
 * the one Flux generates (every manifest under it), as `flux build kustomization` does, saying so on
 * stderr. With --kustomization, DIR is the source root and
 * the Flux Kustomization in FILE is applied like kustomize-controller does (spec.path inside DIR,
 * targetNamespace, namePrefix/nameSuffix, commonMetadata, patches, images, components, postBuild
 * substitution); --vars stand in for the substituteFrom sources a cluster would provide (the spec's
 * inline substitute still wins). The history digest goes to stderr. With --decrypt-key, sops-encrypted
 * inputs and resources are decrypted as the agent decrypts them (agent/reconcile/kustomization-decrypt.ts),
 * with the key files standing in for spec.decryption's Secret; the output then holds the plaintext.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { kustomizeBuild } from "../kustomize/build.ts";
import { fluxBuild } from "../kustomize/flux-build.ts";
import type { FluxKustomizationSpec } from "../kustomize/flux-overlay.ts";
import type { TreeReader } from "../core/tree-reader.ts";
import { fsTreeReader } from "../runtime/artifact-fs.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { parseDocuments } from "../yaml/parse.ts";
import { UsageError, type Command } from "./command.ts";
import { buildRoot, explainEscape, type BuildRoot } from "./build-root.ts";
import { findKustomizationFile } from "../kustomize/kustomization-file.ts";
import type { BuildDecryption } from "../reconcile/kustomization-decrypt.ts";

/**
 * The directory `root` as the build reads it: files are read when the build first asks for them and
 * kept, symlinks and special files are never followed, and `.git` is hidden (an artifact never holds it).
 */
export function dirTree(root: string): TreeReader {
  return fsTreeReader(root, { skip: [".git"], cacheFiles: true });
}

function parseVars(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new UsageError(`--vars expects KEY=VALUE, got "${kv}"`);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

function readSpec(file: string): FluxKustomizationSpec {
  const docs = parseDocuments(readFileSync(file, "utf8"), file);
  const ks = docs.find((d) => (d as { kind?: string })?.kind === "Kustomization" && typeof (d as { spec?: unknown }).spec === "object");
  if (!ks) throw new UsageError(`${file} holds no Flux Kustomization (kind: Kustomization with a spec)`);
  return (ks as { spec: FluxKustomizationSpec }).spec;
}

/** The files of `--decrypt-key FILE ...`, relative to `cwd`. */
export function readKeyFiles(cwd: string, files: string[]): { name: string; bytes: Uint8Array }[] {
  return files.map((f) => {
    try {
      return { name: f, bytes: new Uint8Array(readFileSync(resolve(cwd, f))) };
    } catch (err) {
      throw new UsageError(`--decrypt-key ${f}: ${(err as Error).message}`);
    }
  });
}

/** The decryption of `--decrypt-key FILE ...` (undefined when none is given). */
export async function decryptionFromKeyFiles(cwd: string, files: string[] | undefined): Promise<BuildDecryption | undefined> {
  if (!files?.length) return undefined;
  // Loaded only when asked for: sops with its age and OpenPGP libraries is most of a plain build's start-up.
  const { keyringFromKeyFiles } = await import("../reconcile/decryption-keys.ts");
  const { buildDecryption } = await import("../reconcile/kustomization-decrypt.ts");
  return buildDecryption(await keyringFromKeyFiles(readKeyFiles(cwd, files)));
}

function stream(objs: unknown[]): string {
  return emitDocuments(objs);
}

export const buildCommand: Command = {
  path: ["build"],
  summary: "Build a kustomization (like kubectl kustomize), optionally as a Flux Kustomization would",
  help: `Usage: rivulet build DIR [--root DIR] [--kustomization FILE] [--vars KEY=VALUE ...] [--strict] [--decrypt-key FILE ...]

Prints the objects kustomize would build from DIR as a YAML stream, in kubectl kustomize's order. When
DIR has no kustomization.yaml, builds the one Flux generates (every manifest under DIR), as flux build
kustomization does, and says so on stderr. Bases and components may lie outside DIR but inside the
enclosing git repository (or --root); remote bases, exec/KRM plugins and Helm inflation are refused.

Flags:
  --root DIR            the boundary the build may read (default: the enclosing git repository, else DIR)
  --kustomization FILE  apply the Flux Kustomization in FILE: DIR is the source root, spec.path selects
                        the directory inside it (a kustomization.yaml is generated when there is none)
  --vars KEY=VALUE      substitution variables standing in for spec.postBuild.substituteFrom (repeatable)
  --strict              fail on an undefined variable without a default (StrictPostBuildSubstitutions)
  --decrypt-key FILE    decrypt SOPS-encrypted files and resources as the agent does, with the age
                        identities or armored OpenPGP private key in FILE (repeatable; .agekey/.asc
                        names as in a decryption Secret); the output holds the plaintext`,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        options: { root: { type: "string" }, kustomization: { type: "string" }, vars: { type: "string", multiple: true }, strict: { type: "boolean" }, "decrypt-key": { type: "string", multiple: true } },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (parsed.positionals.length !== 1) throw new UsageError("expected one directory: rivulet build DIR");
    const dir = resolve(io.cwd, parsed.positionals[0]!);
    const vars = parseVars((parsed.values.vars as string[] | undefined) ?? []);
    if (!parsed.values.kustomization && (Object.keys(vars).length || parsed.values.strict)) {
      throw new UsageError("--vars and --strict need --kustomization");
    }
    if (parsed.values.kustomization && parsed.values.root !== undefined) {
      throw new UsageError("--root does not apply with --kustomization: DIR is then the source root");
    }
    let bounds: BuildRoot | undefined;
    try {
      const decryption = await decryptionFromKeyFiles(io.cwd, parsed.values["decrypt-key"] as string[] | undefined);
      if (parsed.values.kustomization) {
        const tree = dirTree(dir);
        const spec = readSpec(resolve(io.cwd, parsed.values.kustomization as string));
        if (Object.keys(vars).length && !spec.postBuild) spec.postBuild = {};
        const result = await fluxBuild(tree, spec, { emit: stream, substituteFrom: [vars], strict: !!parsed.values.strict, ...decryption?.hooks });
        if (result.yaml) io.out(result.yaml.replace(/\n$/, ""));
        io.err(`digest: ${result.digest}`);
      } else {
        bounds = buildRoot(io.cwd, dir, parsed.values.root as string | undefined);
        const rootTree = dirTree(bounds.root);
        if (!findKustomizationFile(rootTree, bounds.dir)) {
          // As flux build kustomization: a plain directory gets Flux's generated kustomization.
          io.err(`No kustomization file in ${dir}: building the kustomization Flux generates for it`);
          const result = await fluxBuild(rootTree, { path: bounds.dir }, { emit: stream, ...decryption?.hooks });
          if (result.yaml) io.out(result.yaml.replace(/\n$/, ""));
          return 0;
        }
        const hooks = decryption?.hooks;
        let objs = await kustomizeBuild((await hooks?.prepareTree?.(rootTree, bounds.dir)) ?? rootTree, bounds.dir);
        if (hooks?.transformObjects) objs = await hooks.transformObjects(objs);
        if (objs.length) io.out(stream(objs).replace(/\n$/, ""));
      }
      return 0;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      io.err(`Error: ${bounds ? explainEscape(err as Error, bounds) : (err as Error).message}`);
      return 3;
    }
  },
};
