/**
 * The boundary of `rivulet build DIR`: the directory tree the build may read. kustomize lets bases and
 * components lie outside the kustomization's directory (Flux: anywhere inside the artifact), so on the
 * command line the boundary is what the artifact would be: the enclosing git repository, or `--root`
 * when given; DIR itself when it is in no repository. In the agent the artifact root stays the boundary.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { PathEscapeError } from "../kustomize/tree-path.ts";
import { UsageError } from "./command.ts";

export interface BuildRoot {
  /** Absolute path of the boundary. */
  root: string;
  /** DIR relative to the root, POSIX separators ("" when DIR is the root). */
  dir: string;
  /** How the root was chosen, for messages. */
  why: "--root" | "git repository" | "directory";
}

function enclosingGitRepo(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return undefined;
  }
}

/** Picks the boundary for DIR (absolute), from `--root` (relative to cwd) or the enclosing repository. */
export function buildRoot(cwd: string, dir: string, rootFlag: string | undefined): BuildRoot {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`);
  let root: string;
  let why: BuildRoot["why"];
  if (rootFlag !== undefined) {
    root = resolve(cwd, rootFlag);
    why = "--root";
  } else {
    const repo = enclosingGitRepo(dir);
    root = repo ?? dir;
    why = repo ? "git repository" : "directory";
  }
  const rel = relative(root, dir);
  if (rel.startsWith("..") || isAbsolute(rel)) throw new UsageError(`--root ${rootFlag}: ${dir} is not inside ${root}`);
  return { root, dir: rel.split(sep).join("/"), why };
}

/** The message of a build error, naming the boundary and the flag when a path left it. */
export function explainEscape(err: Error, b: BuildRoot): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (!(e instanceof PathEscapeError)) continue;
    const what = b.why === "--root" ? "given by --root" : b.why === "git repository" ? "the enclosing git repository" : "DIR itself, which is in no git repository";
    return `${err.message} (the build reads only inside ${b.root}, ${what}; pass --root DIR to set another boundary)`;
  }
  return err.message;
}
