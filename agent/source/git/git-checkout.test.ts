import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeSha1, zlibInflateAt } from "../../runtime/native-git.ts";
import { startGitServer, type GitServer } from "../../../test/support/git-server.ts";
import { checkout, type CheckoutOptions, type CommitAndPushOptions } from "./git-checkout.ts";
import { GitError, PushRaceError } from "./git-error.ts";
import { connectReceivePack } from "./receive-pack.ts";

let git: GitServer;
let authed: GitServer;
const author = { name: "Flux Bot", email: "flux@example.com" };
const commitOpts = (o: Partial<CommitAndPushOptions> = {}): CommitAndPushOptions => ({ author, message: "Update images", now: new Date(1_700_000_000_000), ...o });
let repoCount = 0;

async function newRepo(server = git): Promise<{ name: string; url: string; c1: string }> {
  const name = `r${++repoCount}`;
  const c1 = await server.createRepo(name, { "deploy/app.yaml": "image: app:1.0.0 # marker\n", "README.md": "hi\n", "scripts/x.sh": { data: "#!/bin/sh\n", mode: 0o755 } });
  return { name, url: server.url(name), c1 };
}

const opts = (url: string, o: Partial<CheckoutOptions> = {}): CheckoutOptions => ({ url, fetch, sha1: nodeSha1, inflate: zlibInflateAt, timeoutMs: 20_000, ...o });

beforeAll(async () => {
  git = await startGitServer();
  authed = await startGitServer({ auth: { username: "bot", password: "s3cret" } });
});
afterAll(async () => {
  await git.stop();
  await authed.stop();
});

describe("commitAndPush", () => {
  test("pushes a commit to the checkout branch that git log, show and fsck accept", async () => {
    const { name, url, c1 } = await newRepo();
    const co = await checkout(opts(url));
    expect(co.commit).toBe(c1);
    expect(co.branchRef).toBe("refs/heads/master");
    const r = await co.commitAndPush({ "deploy/app.yaml": "image: app:1.1.0 # marker\n" }, commitOpts({ message: "Update app to 1.1.0\n\nBody" }));
    expect(r.refs).toEqual(["refs/heads/master"]);
    expect(r.objects).toBe(4); // commit, root tree, deploy tree, blob
    expect(git.git(name, ["rev-parse", "refs/heads/master"]).trim()).toBe(r.commit!);
    expect(git.git(name, ["log", "-1", "--format=%P|%an <%ae>|%cn|%at %ai|%B", "master"])).toBe(`${c1}|Flux Bot <flux@example.com>|Flux Bot|1700000000 2023-11-14 22:13:20 +0000|Update app to 1.1.0\n\nBody\n\n`);
    expect(git.git(name, ["show", "master:deploy/app.yaml"])).toBe("image: app:1.1.0 # marker\n");
    expect(git.git(name, ["show", "--stat", "--format=", "master"])).toContain("deploy/app.yaml | 2 +-");
    git.git(name, ["fsck", "--strict", "--no-dangling"]);
    // The same content gives git the same tree.
    git.git(name, ["reset", "-q", "--hard", "master"]);
    expect(git.git(name, ["write-tree"]).trim()).toBe(git.git(name, ["rev-parse", "master^{tree}"]).trim());
    expect(git.git(name, ["ls-tree", "master", "scripts/x.sh"])).toMatch(/^100755 blob/);
  });

  test("creates a new branch from the checkout commit and leaves the checkout branch alone", async () => {
    const { name, url, c1 } = await newRepo();
    const co = await checkout(opts(url));
    const r = await co.commitAndPush({ "new/file.yaml": "a: 1\n" }, commitOpts({ branch: "image-updates" }));
    expect(r.refs).toEqual(["refs/heads/image-updates"]);
    expect(git.git(name, ["rev-parse", "master"]).trim()).toBe(c1);
    expect(git.git(name, ["rev-parse", "image-updates^"]).trim()).toBe(c1);
    expect(git.git(name, ["show", "image-updates:new/file.yaml"])).toBe("a: 1\n");
    git.git(name, ["fsck", "--strict", "--no-dangling"]);
  });

  test("pushes to both the push branch and the refspec destination", async () => {
    const { name, url } = await newRepo();
    const co = await checkout(opts(url));
    const r = await co.commitAndPush({ "README.md": "changed\n" }, commitOpts({ branch: "auto", refspec: "refs/heads/master:refs/heads/review" }));
    expect(r.refs).toEqual(["refs/heads/auto", "refs/heads/review"]);
    expect(git.git(name, ["rev-parse", "auto"]).trim()).toBe(r.commit!);
    expect(git.git(name, ["rev-parse", "review"]).trim()).toBe(r.commit!);
  });

  test("starts from an existing push branch so the new commit goes on top of it", async () => {
    const { name, url } = await newRepo();
    const first = await (await checkout(opts(url, { pushBranch: "auto" }))).commitAndPush({ "a.yaml": "1\n" }, commitOpts({ branch: "auto" }));
    const co = await checkout(opts(url, { pushBranch: "auto" }));
    expect(co.commit).toBe(first.commit!);
    const second = await co.commitAndPush({ "a.yaml": "2\n" }, commitOpts({ branch: "auto" }));
    expect(git.git(name, ["rev-parse", "auto^"]).trim()).toBe(first.commit!);
    expect(git.git(name, ["rev-parse", "auto"]).trim()).toBe(second.commit!);
  });

  test("makes no commit and no push when the changes leave the tree as it was", async () => {
    const { name, url, c1 } = await newRepo();
    const co = await checkout(opts(url));
    const before = git.requests.length;
    const r = await co.commitAndPush({ "README.md": "hi\n", "missing.yaml": null }, commitOpts());
    expect(r).toEqual({ refs: [], objects: 0, packBytes: 0 });
    expect(git.requests.length).toBe(before);
    expect(git.git(name, ["rev-parse", "master"]).trim()).toBe(c1);
  });

  test("pushes 1,000 changed files in one pack that fsck accepts", async () => {
    const { name, url } = await newRepo();
    const changes: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) changes[`apps/team${i % 10}/app${i}.yaml`] = `name: app${i}\nimage: registry/app${i}:1.0.${i}\n`;
    const co = await checkout(opts(url));
    const r = await co.commitAndPush(changes, commitOpts());
    expect(r.objects).toBe(1 + 1000 + 10 + 2); // commit, blobs, team trees, apps and root trees
    expect(git.git(name, ["ls-tree", "-r", "--name-only", "master", "apps"]).trim().split("\n").length).toBe(1000);
    git.git(name, ["fsck", "--strict", "--no-dangling"]);
  });

  test("sends push options when the server advertises them", async () => {
    const { name, url } = await newRepo();
    git.git(name, ["config", "receive.advertisePushOptions", "true"]);
    const hook = join(git.gitDir(name), "hooks", "pre-receive");
    const out = join(git.gitDir(name), "push-options.txt");
    writeFileSync(hook, `#!/bin/sh\necho "$GIT_PUSH_OPTION_COUNT $GIT_PUSH_OPTION_0 $GIT_PUSH_OPTION_1" > ${out}\n`);
    chmodSync(hook, 0o755);
    const co = await checkout(opts(url));
    await co.commitAndPush({ "README.md": "x\n" }, commitOpts({ pushOptions: ["merge_request.create", "ci.skip"] }));
    expect(readFileSync(out, "utf8")).toBe("2 merge_request.create ci.skip\n");
  });

  test("refuses push options the server does not advertise", async () => {
    const { url } = await newRepo();
    const co = await checkout(opts(url));
    await expect(co.commitAndPush({ "README.md": "x\n" }, commitOpts({ pushOptions: ["ci.skip"] }))).rejects.toThrow(
      `Cannot push to ${url}: the server does not support push options`,
    );
  });

  test("a rejecting hook ends as push-rejected with the server's reason", async () => {
    const { name, url, c1 } = await newRepo();
    const hook = join(git.gitDir(name), "hooks", "pre-receive");
    writeFileSync(hook, "#!/bin/sh\nexit 1\n");
    chmodSync(hook, 0o755);
    const co = await checkout(opts(url));
    const err = await co.commitAndPush({ "README.md": "x\n" }, commitOpts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).problem).toBe("push-rejected");
    expect((err as GitError).message).toBe(`Cannot push to ${url}: the server rejected refs/heads/master (pre-receive hook declined)`);
    expect(git.git(name, ["rev-parse", "master"]).trim()).toBe(c1);
  });
});

describe("a branch that does not exist yet", () => {
  test("an empty repository gets a root commit on the new branch (bootstrap)", async () => {
    const name = `empty${++repoCount}`;
    const init = spawnSync("git", ["init", "-q", "--bare", git.gitDir(name)]);
    expect(init.status).toBe(0);
    spawnSync("git", ["config", "http.receivepack", "true"], { cwd: git.gitDir(name) });
    const url = git.url(name);
    await expect(checkout(opts(url, { ref: { branch: "main" } }))).rejects.toThrow(`Cannot fetch ${url}: reference "refs/heads/main" not found`);
    const co = await checkout(opts(url, { ref: { branch: "main" }, createMissingBranch: true }));
    expect(co.commit).toBeUndefined();
    expect(co.files.size).toBe(0);
    expect(co.branchRef).toBe("refs/heads/main");
    expect(await co.commitAndPush({}, commitOpts())).toEqual({ refs: [], objects: 0, packBytes: 0 });
    const r = await co.commitAndPush({ "clusters/dev/flux-system/kustomization.yaml": "resources: []\n" }, commitOpts({ message: "Add flux-system" }));
    const run = (args: string[]) => spawnSync("git", args, { cwd: git.gitDir(name), encoding: "utf8" });
    expect(run(["rev-parse", "main"]).stdout.trim()).toBe(r.commit!);
    expect(run(["rev-list", "--count", "main"]).stdout.trim()).toBe("1");
    expect(run(["show", "main:clusters/dev/flux-system/kustomization.yaml"]).stdout).toBe("resources: []\n");
    expect(run(["fsck", "--strict", "--no-dangling"]).status).toBe(0);
    // Someone else created the branch meanwhile: the second root commit is refused, not forced over it.
    const again = await co.commitAndPush({ "x.yaml": "x\n" }, commitOpts()).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(PushRaceError);
    expect((again as Error).message).toBe(`Cannot push to ${url}: refs/heads/main is not at the commit the change was made on, it exists at ${r.commit}; check out again and retry`);
  });
});

describe("push races are reported, never forced", () => {
  test("a branch moved between checkout and push stops before anything is sent", async () => {
    const { name, url } = await newRepo();
    const co = await checkout(opts(url));
    const theirs = await git.commit(name, { "other.yaml": "someone else\n" }, "their change");
    const err = await co.commitAndPush({ "README.md": "mine\n" }, commitOpts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushRaceError);
    expect((err as PushRaceError).ref).toBe("refs/heads/master");
    expect((err as Error).message).toBe(
      `Cannot push to ${url}: refs/heads/master is not at the commit the change was made on, it moved from ${co.commit} to ${theirs}; check out again and retry`,
    );
    expect(git.git(name, ["rev-parse", "master"]).trim()).toBe(theirs);
    // A fresh checkout succeeds on top of their commit.
    const again = await (await checkout(opts(url))).commitAndPush({ "README.md": "mine\n" }, commitOpts());
    expect(git.git(name, ["rev-parse", "master^"]).trim()).toBe(theirs);
    expect(git.git(name, ["rev-parse", "master"]).trim()).toBe(again.commit!);
  });

  test("a push branch that exists elsewhere is not overwritten", async () => {
    const { name, url, c1 } = await newRepo();
    git.git(name, ["branch", "auto", c1]);
    const other = await git.commit(name, { "x.yaml": "x\n" }, "on auto", { branch: "auto" });
    const co = await checkout(opts(url)); // from master, not from auto
    const err = await co.commitAndPush({ "README.md": "mine\n" }, commitOpts({ branch: "auto" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushRaceError);
    expect((err as Error).message).toBe(
      `Cannot push to ${url}: refs/heads/auto is not at the commit the change was made on, it exists at ${other}; check out again and retry`,
    );
    expect(git.git(name, ["rev-parse", "auto"]).trim()).toBe(other);
  });

  test("a branch moved after the advertisement is refused by the server", async () => {
    const { name, url } = await newRepo();
    let theirs = "";
    // Another clone pushes while our POST is on its way: the server sees an old id that no longer matches.
    const racing: typeof fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      if (String(input).endsWith("/git-receive-pack") && init?.method === "POST" && !theirs) theirs = await git.commit(name, { "race.yaml": "1\n" }, "racer");
      return fetch(input, init);
    }) as typeof fetch;
    const co = await checkout(opts(url, { fetch: racing }));
    const err = await co.commitAndPush({ "README.md": "mine\n" }, commitOpts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PushRaceError);
    expect((err as Error).message).toBe(
      `Cannot push to ${url}: refs/heads/master is not at the commit the change was made on, the server refused the update (failed to update ref); check out again and retry`,
    );
    expect(git.git(name, ["rev-parse", "master"]).trim()).toBe(theirs);
    git.git(name, ["fsck", "--no-dangling"]);
  });
});

describe("auth", () => {
  test("pushes with basic auth, the same auth the checkout used", async () => {
    const { name, url } = await newRepo(authed);
    const co = await checkout(opts(url, { auth: { username: "bot", password: "s3cret" } }));
    const r = await co.commitAndPush({ "README.md": "authed\n" }, commitOpts());
    expect(authed.git(name, ["rev-parse", "master"]).trim()).toBe(r.commit!);
  });

  const refused: Array<[string, CheckoutOptions["auth"]]> = [
    ["a wrong password", { username: "bot", password: "wrong" }],
    ["no credentials", undefined],
  ];
  for (const [what, auth] of refused) {
    test(`refuses ${what} with an auth error that shows no secret`, async () => {
      const { url } = await newRepo(authed);
      const err = await connectReceivePack({ url, fetch, auth }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitError);
      expect((err as GitError).problem).toBe("auth");
      expect((err as Error).message).toBe(`Cannot push to ${url}: authentication failed (HTTP 401)`);
    });
  }

  test("keeps credentials from the URL out of messages", async () => {
    const { url } = await newRepo(authed);
    const withCreds = url.replace("http://", "http://bot:wrong@");
    const err = await connectReceivePack({ url: withCreds, fetch }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`Cannot push to ${url}: authentication failed (HTTP 401)`);
  });
});

describe("refspecs and branches", () => {
  const cases: Array<[string, Partial<CommitAndPushOptions>, string]> = [
    ["a forced refspec", { refspec: "+master:auto" }, 'refspec "+master:auto" is not of the form src:dst (forced updates are not allowed)'],
    ["a refspec without a destination", { refspec: "master" }, 'refspec "master" is not of the form src:dst (forced updates are not allowed)'],
    ["a refspec from another branch", { refspec: "dev:auto" }, 'refspec source "dev" is not the checked-out branch (refs/heads/master)'],
    ["a branch name with ..", { branch: "a..b" }, '"a..b" is not a valid branch name'],
    ["a branch name with a space", { branch: "a b" }, '"a b" is not a valid branch name'],
  ];
  for (const [what, o, message] of cases) {
    test(`refuses ${what}`, async () => {
      const { url } = await newRepo();
      const co = await checkout(opts(url));
      await expect(co.commitAndPush({ "README.md": "x\n" }, commitOpts(o))).rejects.toThrow(`Cannot push to ${url}: ${message}`);
    });
  }

  test("a tag checkout needs a push branch", async () => {
    const { name, url } = await newRepo();
    await git.tag(name, "v1.0.0");
    const co = await checkout(opts(url, { ref: { tag: "v1.0.0" } }));
    expect(co.branchRef).toBeUndefined();
    await expect(co.commitAndPush({ "README.md": "x\n" }, commitOpts())).rejects.toThrow(`Cannot push to ${url}: the checkout is not a branch, name a push branch or refspec`);
    const r = await co.commitAndPush({ "README.md": "x\n" }, commitOpts({ branch: "from-tag" }));
    expect(git.git(name, ["rev-parse", "from-tag"]).trim()).toBe(r.commit!);
  });
});

