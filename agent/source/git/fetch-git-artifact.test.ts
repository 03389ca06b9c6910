import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeSha1, zlibInflateAt } from "../../runtime/native-git.ts";
import { startGitServer, type GitServer } from "../../../test/support/git-server.ts";
import type { FileTree } from "../../artifact/file-tree.ts";
import { pack } from "../../artifact/pack.ts";
import { unpack } from "../../artifact/unpack.ts";
import { fetchGitArtifact, type GitArtifactFetched, type FetchGitArtifactOptions } from "./fetch-git-artifact.ts";
import { GitError } from "./git-error.ts";

let git: GitServer;
let c1: string;
let c2: string;

const text = (files: FileTree, path: string): string | undefined => {
  const n = files.get(path);
  return n?.kind === "file" ? new TextDecoder().decode(n.data) : undefined;
};

/** The paths of the files in the artifact pack makes of a fetch, where Flux's ignore rules are applied. */
async function artifactFiles(files: FileTree, ignore?: string): Promise<string[]> {
  const tree = await unpack((await pack(files, { ignore })).bytes);
  return [...tree].filter(([, n]) => n.kind === "file").map(([p]) => p).sort();
}

async function fetched(o: Partial<FetchGitArtifactOptions> & { url: string }): Promise<GitArtifactFetched> {
  const r = await fetchGitArtifact({ fetch, timeoutMs: 20_000, ...o });
  if (r.unchanged) throw new Error("expected a fetch, got unchanged");
  return r;
}

function gitAsync(args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("git", args, { cwd, maxBuffer: 1 << 28 }, (err, out, errOut) => (err ? reject(new Error(errOut || String(err))) : resolve(out))),
  );
}

beforeAll(async () => {
  git = await startGitServer();
  c1 = await git.createRepo("app", {
    "deploy/app.yaml": "kind: ConfigMap\n",
    "deploy/nested/b.yaml": "b: 1\n",
    "scripts/run.sh": { data: "#!/bin/sh\necho hi\n", mode: 0o755 },
    "README.md": "readme\n",
    "link.yaml": { symlink: "deploy/app.yaml" },
    "logo.png": "png",
    ".github/workflows/ci.yml": "on: push\n",
    "other/x.txt": "x\n",
  });
  await git.tag("app", "v1.0.0", { annotated: true, message: "release 1" });
  await git.tag("app", "light", {});
  c2 = await git.commit("app", { "deploy/app.yaml": "kind: ConfigMap\nv: 2\n" }, "second");
  await git.tag("app", "v1.2.0");
  await git.tag("app", "v1.10.0", { annotated: true });
  await git.tag("app", "v2.0.0-rc.1");
  await git.updateRef("app", "refs/pull/7/head", c1);
});

afterAll(async () => {
  await git?.stop();
});

describe("fetchGitArtifact", () => {
  test.each([
    ["portable inflate and SHA-1, protocol v2", {}],
    ["native inflate and SHA-1, protocol v2", { inflate: zlibInflateAt, sha1: nodeSha1 }],
    ["portable, protocol v0", { protocol: 0 as const }],
  ])("fetches the default branch master into files with modes and a Flux revision (%s)", async (_, extra) => {
    const r = await fetched({ url: git.url("app"), ...extra });
    expect(r.revision).toBe(`master@sha1:${c2}`);
    expect(r.commit).toBe(c2);
    expect(r.commitMeta.message).toBe("second\n");
    expect(text(r.files, "deploy/app.yaml")).toBe("kind: ConfigMap\nv: 2\n");
    expect(r.files.get("scripts/run.sh")?.mode).toBe(0o755);
    expect(r.files.get("README.md")?.mode).toBe(0o644);
    expect(r.files.get("deploy/nested")?.kind).toBe("dir");
    expect(r.files.has("link.yaml")).toBe(false); // symlinks are skipped like Flux's artifact
    // The fetch returns the commit's files whole; Flux's default exclusions apply when pack archives them.
    expect(r.files.has("logo.png")).toBe(true);
    const archived = await artifactFiles(r.files);
    expect(archived.includes("logo.png")).toBe(false);
    expect(archived.some((p) => p.startsWith(".github"))).toBe(false);
  });

  test("the files equal what git checks out, for every path git lists", async () => {
    const r = await fetched({ url: git.url("app"), sparseCheckout: [] });
    const listed = (await gitAsync(["ls-tree", "-r", "--format=%(objectmode) %(path)", c2], git.workTree("app"))).trim().split("\n");
    for (const line of listed) {
      const [mode, path] = line.split(" ") as [string, string];
      if (mode === "120000") continue;
      const content = await gitAsync(["show", `${c2}:${path}`], git.workTree("app"));
      expect(text(r.files, path)).toBe(content);
    }
  });

  test("a new commit gives a new revision and content", async () => {
    await git.createRepo("moving", { "a.txt": "1\n" });
    const first = await fetched({ url: git.url("moving") });
    const c = await git.commit("moving", { "a.txt": "2\n", "b.txt": "new\n" }, "bump");
    const second = await fetched({ url: git.url("moving"), lastRevision: first.revision });
    expect(second.revision).toBe(`master@sha1:${c}`);
    expect(text(second.files, "a.txt")).toBe("2\n");
    expect(text(second.files, "b.txt")).toBe("new\n");
  });

  test.each([
    ["an annotated tag (peeled to its commit)", { tag: "v1.0.0" }, () => `v1.0.0@sha1:${c1}`, true],
    ["a lightweight tag", { tag: "light" }, () => `light@sha1:${c1}`, false],
    ["a semver range over tags", { semver: ">=1.0.0 <2.0.0" }, () => `v1.10.0@sha1:${c2}`, true],
    ["a semver range with Masterminds commas", { semver: ">= 1.0, < 1.5" }, () => `v1.2.0@sha1:${c2}`, false],
    ["a ref name (pull request head)", { name: "refs/pull/7/head" }, () => `refs/pull/7/head@sha1:${c1}`, false],
    ["a commit alone", { commit: "COMMIT1" }, () => `sha1:${c1}`, false],
    ["a commit on a branch (not its tip)", { branch: "master", commit: "COMMIT1" }, () => `master@sha1:${c1}`, false],
    ["commit wins over everything", { commit: "COMMIT1", tag: "v1.10.0", semver: "*", name: "refs/heads/master" }, () => `sha1:${c1}`, false],
    ["name wins over semver, tag and branch", { name: "refs/tags/v1.0.0", semver: "*", tag: "light", branch: "x" }, () => `refs/tags/v1.0.0@sha1:${c1}`, true],
    ["semver wins over tag", { semver: "~1.2", tag: "v1.0.0" }, () => `v1.2.0@sha1:${c2}`, false],
    ["tag wins over branch", { tag: "light", branch: "master" }, () => `light@sha1:${c1}`, false],
  ])("resolves %s", async (_, ref, revision, annotated) => {
    const r = await fetched({ url: git.url("app"), ref: Object.fromEntries(Object.entries(ref).map(([k, v]) => [k, v === "COMMIT1" ? c1 : v])) });
    expect(r.revision).toBe(revision());
    expect(r.tagObject !== undefined).toBe(annotated);
    const expectedYaml = r.commit === c1 ? "kind: ConfigMap\n" : "kind: ConfigMap\nv: 2\n";
    expect(text(r.files, "deploy/app.yaml")).toBe(expectedYaml);
  });

  test.each([
    ["a missing branch", { branch: "nope" }, /: reference "refs\/heads\/nope" not found$/],
    ["a missing tag", { tag: "v9" }, /: reference "refs\/tags\/v9" not found$/],
    ["a semver range nothing satisfies", { semver: ">=5.0.0" }, /: no match found for semver: >=5.0.0$/],
    ["an invalid semver range", { semver: "not a range!" }, /semver parse error/],
    ["a short commit", { commit: "abc123" }, /expected a full 40-character SHA-1/],
    ["a commit that does not exist", { commit: "0123456789abcdef0123456789abcdef01234567" }, /commit "0123456789abcdef0123456789abcdef01234567" not found/],
  ])("fails clearly for %s", async (_, ref, message) => {
    const err = await fetchGitArtifact({ url: git.url("app"), fetch, ref }).catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.message).toMatch(new RegExp(`^Cannot fetch ${git.url("app").replace(/[.]/g, "\\.")}: `));
    expect(err.message).toMatch(message);
  });

  test("a commit ref with a branch must be on that branch", async () => {
    await git.createRepo("branches", { "a.txt": "1\n" });
    const side = await git.commit("branches", { "b.txt": "side\n" }, "side", { branch: "side" });
    await git.commit("branches", { "c.txt": "main\n" }, "main", { branch: "master" });
    const err = await fetchGitArtifact({ url: git.url("branches"), fetch, ref: { branch: "master", commit: side } }).catch((e) => e);
    expect(err.message).toMatch(`commit "${side}" not found on branch "master"`);
    const ok = await fetched({ url: git.url("branches"), ref: { branch: "side", commit: side } });
    expect(ok.revision).toBe(`side@sha1:${side}`);
  });

  test("an unchanged revision is detected from the ref listing alone, without downloading a pack", async () => {
    const before = git.requests.filter((r) => r.command === "fetch").length;
    const r = await fetchGitArtifact({ url: git.url("app"), fetch, lastRevision: `master@sha1:${c2}` });
    expect(r).toEqual({ unchanged: true, revision: `master@sha1:${c2}`, commit: c2 });
    const legacy = await fetchGitArtifact({ url: git.url("app"), fetch, lastRevision: `master/${c2}` });
    expect(legacy.unchanged).toBe(true);
    expect(git.requests.filter((r) => r.command === "fetch").length).toBe(before);
    // same commit, other ref: a new revision string, so a new artifact
    const tagged = await fetchGitArtifact({ url: git.url("app"), fetch, ref: { tag: "v1.2.0" }, lastRevision: `master@sha1:${c2}` });
    expect(tagged.unchanged).toBe(false);
  });

  test("spec.ignore and .sourceignore files replace the default exclusions", async () => {
    await git.createRepo("ignored", {
      ".sourceignore": "*.md\n",
      "sub/.sourceignore": "secret.yaml\n",
      "sub/secret.yaml": "s\n",
      "sub/keep.yaml": "k\n",
      "top/secret.yaml": "not scoped\n",
      "doc.md": "d\n",
      "logo.png": "png\n",
      "tmp/x.yaml": "x\n",
    });
    const r = await fetched({ url: git.url("ignored") });
    expect(await artifactFiles(r.files, "tmp/\n")).toEqual([".sourceignore", "logo.png", "sub/.sourceignore", "sub/keep.yaml", "top/secret.yaml"]);
    expect([...r.files.values()].filter((n) => n.kind === "file")).toHaveLength(8);
  });

  test("sparseCheckout keeps only the listed directories and rejects a missing one", async () => {
    const r = await fetched({ url: git.url("app"), sparseCheckout: ["./deploy/nested/", "scripts"] });
    const files = [...r.files].filter(([, n]) => n.kind === "file").map(([p]) => p).sort();
    expect(files).toEqual(["deploy/nested/b.yaml", "scripts/run.sh"]);
    const err = await fetchGitArtifact({ url: git.url("app"), fetch, sparseCheckout: ["missing"] }).catch((e) => e);
    expect(err.problem).toBe("sparse-checkout");
    expect(err.message).toMatch(/sparse checkout directory "missing" does not exist in the repository$/);
  });

  test("an unknown repository is reported as not found", async () => {
    const err = await fetchGitArtifact({ url: git.url("nothing-here"), fetch }).catch((e) => e);
    expect(err.message).toBe(`Cannot fetch ${git.url("nothing-here")}: repository not found (HTTP 404)`);
  });

  test("a server that is down gives a clear, quick error", async () => {
    const err = await fetchGitArtifact({ url: "http://127.0.0.1:9/repo.git", fetch, timeoutMs: 5000 }).catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.problem).toBe("unreachable");
    expect(err.message).toMatch(/^Cannot fetch http:\/\/127\.0\.0\.1:9\/repo\.git: the server is unreachable/);
  });

  test("a server that accepts but never answers times out with a clear error", async () => {
    const { createServer } = await import("node:http");
    const hung = createServer(() => {});
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    const port = (hung.address() as { port: number }).port;
    try {
      const err = await fetchGitArtifact({ url: `http://127.0.0.1:${port}/r.git`, fetch, timeoutMs: 300 }).catch((e) => e);
      expect(err.problem).toBe("timeout");
      expect(err.message).toBe(`Cannot fetch http://127.0.0.1:${port}/r.git: timed out after 0.3s`);
    } finally {
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  test("ssh URLs are refused with a hint", async () => {
    const err = await fetchGitArtifact({ url: "ssh://git@example.com/x.git", fetch }).catch((e) => e);
    expect(err.message).toBe("Cannot fetch ssh://example.com/x.git: SSH is not supported, use an HTTPS URL");
  });
});

describe("fetchGitArtifact with authentication", () => {
  test("basic auth: the right password fetches, a wrong one fails with HTTP 401, and URL credentials work", async () => {
    const s = await startGitServer({ auth: { username: "flux", password: "s3cret" } });
    try {
      const c = await s.createRepo("private", { "a.yaml": "a: 1\n" });
      const ok = await fetched({ url: s.url("private"), auth: { username: "flux", password: "s3cret" } });
      expect(ok.revision).toBe(`master@sha1:${c}`);
      const bad = await fetchGitArtifact({ url: s.url("private"), fetch, auth: { username: "flux", password: "nope" } }).catch((e) => e);
      expect(bad.message).toBe(`Cannot fetch ${s.url("private")}: authentication failed (HTTP 401)`);
      expect(bad.problem).toBe("auth");
      const none = await fetchGitArtifact({ url: s.url("private"), fetch }).catch((e) => e);
      expect(none.problem).toBe("auth");
      const inUrl = s.url("private").replace("http://", "http://flux:s3cret@");
      const viaUrl = await fetched({ url: inUrl });
      expect(viaUrl.commit).toBe(c);
    } finally {
      await s.stop();
    }
  });

  test("bearer token: the right token fetches, a wrong one fails", async () => {
    const s = await startGitServer({ auth: { bearerToken: "tok-123" } });
    try {
      const c = await s.createRepo("private", { "a.yaml": "a: 1\n" });
      expect((await fetched({ url: s.url("private"), auth: { bearerToken: "tok-123" } })).commit).toBe(c);
      const bad = await fetchGitArtifact({ url: s.url("private"), fetch, auth: { bearerToken: "other" } }).catch((e) => e);
      expect(bad.message).toMatch(/authentication failed \(HTTP 401\)$/);
    } finally {
      await s.stop();
    }
  });
});

describe("fetchGitArtifact on a large repository", () => {
  test("5,000 files, a long history and aggressive deltas come out identical to git's checkout", async () => {
    const files: Record<string, string> = {};
    const big = (i: number) => Array.from({ length: 4000 }, (_, k) => `line ${k} of a large manifest, revision ${k % 97 === 0 ? i : 0}`).join("\n");
    for (let i = 0; i < 5000; i++) files[`apps/team-${i % 50}/cm-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n`;
    files["big/manifest.yaml"] = big(0);
    await git.createRepo("large", files);
    let last = "";
    for (let i = 1; i <= 40; i++) last = await git.commit("large", { "big/manifest.yaml": big(i), [`apps/team-${i}/cm-${i}.yaml`]: `changed ${i}\n` }, `change ${i}`);
    await gitAsync(["gc", "-q", "--aggressive"], git.workTree("large"));
    const r = await fetched({ url: git.url("large"), inflate: zlibInflateAt, sha1: nodeSha1 });
    expect(r.commit).toBe(last);
    const fileCount = [...r.files.values()].filter((n) => n.kind === "file").length;
    expect(fileCount).toBe(5001);
    expect(text(r.files, "big/manifest.yaml")).toBe(big(40));
    // compare with git's own shallow clone of the same commit
    const dir = mkdtempSync(join(tmpdir(), "rivulet-clone-"));
    try {
      await gitAsync(["clone", "-q", "--depth", "1", git.url("large"), dir]);
      for (const p of ["apps/team-7/cm-7.yaml", "apps/team-3/cm-4953.yaml", "big/manifest.yaml"]) {
        expect(text(r.files, p)).toBe(readFileSync(join(dir, p), "utf8"));
      }
      expect(statSync(join(dir, "big/manifest.yaml")).size).toBe((r.files.get("big/manifest.yaml") as { data: Uint8Array }).data.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
