/**
 * Flux's exclusion rules for artifacts (reference/flux.md §2.3): `.sourceignore` files in gitignore syntax,
 * each scoped to its own directory, `spec.ignore` appended last (scoped to the root), and the default
 * patterns. With no user pattern at all the defaults are VCS + extensions + CI + extras; as soon as one user
 * pattern exists, only the VCS defaults stay.
 *
 * Matching follows go-git's matcher, which Flux uses: the last pattern (over all domains, in load order)
 * that matches the path or one of its parent directories decides. That differs from git only with negated
 * patterns on nested paths: a negation can re-include a file inside an excluded directory (git cannot), and
 * a later negation matching a parent directory beats an earlier pattern matching the file. Each pattern's own
 * syntax is matched by the `ignore` package, which follows git and is differential-tested against
 * `git check-ignore` in source-ignore.test.ts.
 *
 * Two rule sets, both built here once and handed to pack (agent/artifact/pack.ts), which is the one place
 * that excludes: `treeIgnore` for sources whose files arrive whole (Git, OCI), and `bucketIgnore` for
 * Buckets, whose rules are applied to object keys before downloading, so ignored objects are never fetched.
 */
import ignore, { type Ignore } from "ignore";
import type { TreeReader } from "../core/tree-reader.ts";

export const DEFAULTS = {
  fileName: ".sourceignore",
  vcsPatterns: [".git/", ".gitignore", ".gitmodules", ".gitattributes"],
  defaultPatterns: [
    "*.jpg", "*.jpeg", "*.gif", "*.png", "*.wmv", "*.flv", "*.tar.gz", "*.zip",
    ".github/", ".circleci/", ".travis.yml", ".gitlab-ci.yml", "appveyor.yml", ".drone.yml",
    "cloudbuild.yaml", "codeship-services.yml", "codeship-steps.yml",
    "**/.goreleaser.yml", "**/.sops.yaml", "**/.flux.yaml",
  ],
} as const;

/** The content of one `.sourceignore`, and the directory it sits in ("" for the root, else "a/b"). */
export interface IgnoreFile {
  dir: string;
  content: string;
}

export interface SourceIgnore {
  /** Whether a path (relative, slash-separated, no "./") is excluded from the artifact. */
  ignores(path: string, isDir: boolean): boolean;
}

interface Rule {
  /** "" or "a/b/": the rule sees only paths under it, relative to it. */
  domain: string;
  negative: boolean;
  match: Ignore;
}

/** Parses gitignore text the way go-git's ReadPatterns does: comment and blank lines are skipped. */
export function readPatterns(content: string): string[] {
  return content.split(/\r?\n/).filter((l) => !l.startsWith("#") && l.trim() !== "");
}

/** Builds the matcher for a tree: its `.sourceignore` files in walk order, then `spec.ignore`. */
export function createSourceIgnore(files: IgnoreFile[], specIgnore?: string): SourceIgnore {
  const user: Array<{ domain: string; pattern: string }> = [];
  for (const f of files) for (const p of readPatterns(f.content)) user.push({ domain: f.dir ? `${f.dir}/` : "", pattern: p });
  if (specIgnore !== undefined) for (const p of readPatterns(specIgnore)) user.push({ domain: "", pattern: p });
  const defaults = user.length === 0 ? [...DEFAULTS.vcsPatterns, ...DEFAULTS.defaultPatterns] : DEFAULTS.vcsPatterns;
  return patternMatcher([...defaults.map((pattern) => ({ domain: "", pattern })), ...user]);
}

/**
 * The matcher for a whole tree, as pack applies it to Git and OCI artifacts: the tree's `.sourceignore`
 * files in the archive walk's order (a directory's own file before its subdirectories', names in Go's
 * order; none under `.git`), then `spec.ignore`, then the defaults.
 */
export function treeIgnore(tree: TreeReader, specIgnore?: string): SourceIgnore {
  const files: IgnoreFile[] = [];
  const dec = new TextDecoder();
  const walk = (dir: string): void => {
    const entries = tree.list(dir);
    const own = entries.find((e) => e.name === DEFAULTS.fileName && e.kind === "file");
    const data = own && tree.read(dir ? `${dir}/${own.name}` : own.name);
    if (data) files.push({ dir, content: dec.decode(data) });
    for (const e of entries) if (e.kind === "dir" && e.name !== ".git") walk(dir ? `${dir}/${e.name}` : e.name);
  };
  walk("");
  return createSourceIgnore(files, specIgnore);
}

/**
 * Flux's Bucket rules: the bucket-root `.sourceignore` object's patterns, then `spec.ignore`, root-scoped
 * and with NO default patterns. They decide which object keys are downloaded; the archive then holds all
 * that was downloaded, so over the downloaded tree they exclude nothing: directories exist only as parents
 * of kept keys, and the root `.sourceignore` itself is part of the artifact (Flux downloads it next to the
 * objects and archives without a filter).
 */
export function bucketIgnore(ignoreFile: string | undefined, specIgnore?: string): SourceIgnore {
  const patterns = [...(ignoreFile !== undefined ? readPatterns(ignoreFile) : []), ...(specIgnore !== undefined ? readPatterns(specIgnore) : [])];
  const keys = patternMatcher(patterns.map((pattern) => ({ domain: "", pattern })));
  return { ignores: (path, isDir) => !isDir && path !== DEFAULTS.fileName && keys.ignores(path, false) };
}

/** The go-git-style matcher over an ordered list of scoped patterns (exported for differential tests). */
export function patternMatcher(patterns: Array<{ domain: string; pattern: string }>): SourceIgnore {
  // Consecutive positive patterns of one domain share one matcher: with no negation between them, "the
  // last one that matches decides" is "any of them matches". The defaults alone are 24 patterns, so this
  // turns ~24 lookups per path into one (measured with the defaults: 19-24 us a path before, 2.1-2.5 us
  // after).
  const groups: Array<{ domain: string; negative: boolean; patterns: string[] }> = [];
  for (const { domain, pattern } of patterns) {
    const negative = pattern.startsWith("!");
    const last = groups.at(-1);
    if (!negative && last && !last.negative && last.domain === domain) last.patterns.push(pattern);
    else groups.push({ domain, negative, patterns: [negative ? pattern.slice(1) : pattern] });
  }
  const rules: Rule[] = groups.map((g) => ({ domain: g.domain, negative: g.negative, match: ignore().add(g.patterns) }));
  return {
    ignores(path, isDir) {
      for (let i = rules.length - 1; i >= 0; i--) {
        const r = rules[i]!;
        if (r.domain && !(path.startsWith(r.domain) && path.length > r.domain.length)) continue;
        const rel = path.slice(r.domain.length);
        // `ignore` tests the parent directories first, which is go-git's "matches the path or a parent".
        if (r.match.ignores(isDir ? `${rel}/` : rel)) return !r.negative;
      }
      return false;
    },
  };
}
