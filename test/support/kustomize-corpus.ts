/**
 * The corpus of real kustomize trees (test/fixtures/kustomize-corpus/<owner>-<repo>/): each repository's
 * `tree/` holds only the files `kubectl kustomize` read while building its roots (`roots.txt`, "." for the
 * tree's top), and `expected.json` records what the oracle made of each root: its objects (id and a short
 * digest each, in output order) or its error. The whole outputs would be tens of megabytes, so they are
 * not stored: with kubectl on PATH the test compares with its live output object by object, and without
 * it with the recorded digests.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { FileTree } from "../../agent/artifact/file-tree.ts";
import { parseDocuments } from "../../agent/yaml/parse.ts";

export const corpusRoot = join(import.meta.dirname, "..", "fixtures", "kustomize-corpus");

/** A root kubectl builds: one `Kind/namespace/name sha256[0:16]` line per object, in its order. */
/**
 * A root kubectl builds: one `Kind/namespace/name sha256[0:16]` line per object, in its order. A root it
 * refuses: its error, and when the refusal is kustomize's load restrictor (a file outside the
 * kustomization's directory), what it builds with `--load-restrictor LoadRestrictionsNone`, which is how
 * Flux's kustomize-controller (and so rivulet) builds.
 */
export type Expected = { objects: string[] } | { error: string; unrestricted?: string[] };

export interface CorpusRepo {
  /** `<owner>-<repo>`, the folder name. */
  name: string;
  dir: string;
  treeDir: string;
  roots: string[];
  expected: Record<string, Expected>;
}

export function corpusRepos(): CorpusRepo[] {
  return readdirSync(corpusRoot)
    .filter((n) => statSync(join(corpusRoot, n)).isDirectory())
    .sort()
    .map((name) => {
      const dir = join(corpusRoot, name);
      const roots = readFileSync(join(dir, "roots.txt"), "utf8").split("\n").filter(Boolean);
      const exp = join(dir, "expected.json");
      const expected = existsSync(exp) ? (JSON.parse(readFileSync(exp, "utf8")) as Record<string, Expected>) : {};
      return { name, dir, treeDir: join(dir, "tree"), roots, expected };
    });
}

export function loadCorpusTree(repo: CorpusRepo): FileTree {
  const files = new FileTree();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(repo.treeDir, p).split("\\").join("/"), { kind: "file", mode: 0o644, data: new Uint8Array(readFileSync(p)) });
    }
  };
  walk(repo.treeDir);
  return files;
}

/** The path kustomizeBuild takes for a root ("" for the tree's top). */
export const buildPath = (root: string): string => (root === "." ? "" : root);

/** JSON with every map's keys sorted: objects compare as values, as toEqual compares them. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** One object as a line of expected.json: its id, then a digest of its value (key order aside). */
export function objectLine(obj: unknown): string {
  const o = obj as { kind?: string; metadata?: { namespace?: string; name?: string } };
  const digest = createHash("sha256").update(canonical(obj)).digest("hex").slice(0, 16);
  return `${o.kind ?? "?"}/${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""} ${digest}`;
}

export const hasKubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

/**
 * Runs `kubectl kustomize` on a root with the network cut (a proxy on a closed port), so remote bases
 * fail the same way everywhere. Errors lose kubectl's log prefix and the tree's absolute path.
 */
export function runKubectl(repo: CorpusRepo, root: string, unrestricted = false): { expected: Expected; objects?: unknown[] } {
  const closed = "http://127.0.0.1:9";
  const flags = unrestricted ? ["--load-restrictor", "LoadRestrictionsNone"] : [];
  const run = spawnSync("kubectl", ["kustomize", ...flags, join(repo.treeDir, root)], {
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 1 << 30,
    env: { ...process.env, HTTPS_PROXY: closed, HTTP_PROXY: closed, https_proxy: closed, http_proxy: closed, NO_PROXY: "", no_proxy: "" },
  });
  if (run.status === 0) {
    const objects = parseDocuments(run.stdout, `kubectl kustomize ${root}`);
    return { expected: { objects: objects.map(objectLine) }, objects };
  }
  const error = kubectlError(run.stderr, repo.treeDir);
  if (!unrestricted && error.includes("is not in or below")) {
    const flux = runKubectl(repo, root, true);
    if ("objects" in flux.expected) return { expected: { error, unrestricted: flux.expected.objects }, objects: flux.objects };
  }
  return { expected: { error } };
}

function kubectlError(stderr: string, treeDir: string): string {
  const m = /err=(<\n([\s\S]*?)\n\s*>|"((?:[^"\\]|\\.)*)")/.exec(stderr);
  let text = m ? (m[2] ?? JSON.parse(`"${m[3]}"`)) : stderr.trim().split("\n").pop() ?? "";
  text = text.split(treeDir + "/").join("").split(treeDir).join(".");
  return text.replace(/\s+/g, " ").trim();
}
