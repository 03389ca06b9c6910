/**
 * The whole image automation loop in one agent, on the real control plane: Debian's docker-registry
 * holds the tags, `git http-backend` serves the repository and takes the push. A new tag is scanned, the
 * policy picks it, the ImageUpdateAutomation commits and pushes (checked with git log, git show and
 * git verify-commit on the server), the GitRepository fetches the commit at once and the Kustomization
 * applies the Deployment with the new image. Also: nothing to change makes no commit; a marker naming another
 * namespace's policy and a file that is not YAML are left as they were and named in the Ready message; a
 * push branch other than the checkout branch gets the commit while the checkout branch stays put.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import * as openpgp from "openpgp";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, testCluster, uniqueNamespace } from "../support/cluster.ts";
import { startRivulet } from "../support/agent-process.ts";
import { startRegistry, type TestRegistry } from "../support/oci-registry.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";
import { MEDIA } from "../../agent/source/oci/media-types.ts";
import { RegistryClient } from "../../agent/source/oci/registry-client.ts";

const IMG = "image.toolkit.fluxcd.io/v1";
const SRC = "source.toolkit.fluxcd.io/v1";
const KS = "kustomize.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
let client: KubeClient;
let ns: string;
let reg: TestRegistry;
let git: GitServer;
let agent: InProcessAgent;
let dir: string;
let registry: RegistryClient;
let image: string;

async function pushTag(tag: string): Promise<void> {
  const enc = new TextEncoder();
  const cfg = await registry.pushBlob(enc.encode("{}"));
  const layer = await registry.pushBlob(enc.encode(`layer ${tag}`));
  const manifest = enc.encode(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.fluxConfig, digest: cfg.digest, size: cfg.size },
    layers: [{ mediaType: MEDIA.fluxContent, digest: layer.digest, size: layer.size }],
  }));
  await registry.putManifest(tag, manifest, MEDIA.ociManifest);
}

const get = async (apiVersion: string, kind: string, name: string) => (await client.get({ apiVersion, kind, namespace: ns, name })) as FluxObject | undefined;
const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);
const request = (apiVersion: string, kind: string, name: string, at: string) =>
  client.patch({ apiVersion, kind, namespace: ns, name }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } } }, "merge");
const show = (rev: string, path: string) => git.git("app", ["show", `${rev}:${path}`]);

const deployment = (tag: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    # a marker naming another namespace's policy is not this automation's to write
    pinned: "1.0.0" # {"$imagepolicy": "kube-system:app:tag"}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: IMAGE:${tag} # {"$imagepolicy": "NS:app"}
`;
const NOT_YAML = `key: [unclosed # {"$imagepolicy": "NS:app"}\n  - : :\n`;

function automation(name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: IMG,
    kind: "ImageUpdateAutomation",
    metadata: { name, namespace: ns },
    spec: {
      interval: "1h",
      sourceRef: { kind: "GitRepository", name: "app" },
      git: { checkout: { ref: { branch: "master" } }, commit: { author: { name: "Flux Bot", email: "bot@rivulet.invalid" } } },
      update: { path: "./", strategy: "Setters" },
      ...spec,
    },
  };
}

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("imgauto");
  reg = await startRegistry();
  registry = new RegistryClient({ host: reg.host, repository: "tenant/app", fetch, insecure: true });
  image = `${reg.host}/tenant/app`;
  git = await startGitServer();
  dir = mkdtempSync(join(tmpdir(), "rivulet-imgauto-it-"));
  agent = await startAgent(client, ns, join(dir, "storage"));
}, 60_000);
afterAll(async () => {
  await agent?.stop();
  await reg?.stop();
  await git?.stop();
  await deleteNamespace(ns);
  rmSync(dir, { recursive: true, force: true });
});

describe("ImageUpdateAutomation", () => {
  test("a new tag flows into git and onto the cluster; unchanged files make no commit; foreign markers and non-YAML stay", async () => {
    await pushTag("1.0.0");
    const fill = (s: string) => s.replaceAll("IMAGE", image).replaceAll("NS", ns);
    const seed = await git.createRepo("app", {
      "deploy/web.yaml": fill(deployment("1.0.0")),
      "broken/notes.yaml": fill(NOT_YAML),
      "branch/values.yaml": fill(`image: IMAGE:0.9.0 # {"$imagepolicy": "NS:pinned"}\n`),
    });
    await client.apply({ apiVersion: SRC, kind: "GitRepository", metadata: { name: "app", namespace: ns }, spec: { interval: "1h", url: git.url("app"), ref: { branch: "master" } } }, fm);
    await client.apply({ apiVersion: KS, kind: "Kustomization", metadata: { name: "app", namespace: ns }, spec: { interval: "1h", path: "./deploy", prune: true, sourceRef: { kind: "GitRepository", name: "app" } } }, fm);
    await client.apply({ apiVersion: IMG, kind: "ImageRepository", metadata: { name: "app", namespace: ns }, spec: { image, interval: "1h", insecure: true } }, fm);
    await client.apply({ apiVersion: IMG, kind: "ImagePolicy", metadata: { name: "app", namespace: ns, labels: { auto: "main" } }, spec: { imageRepositoryRef: { name: "app" }, policy: { semver: { range: ">=1.0.0" } } } }, fm);
    await client.apply(automation("main", { policySelector: { matchLabels: { auto: "main" } } }), fm);

    // The policy's first latest image is what the file already says: no commit, the run is recorded.
    const idle = await eventually("the automation to run with the policy's image", async () => {
      const o = await get(IMG, "ImageUpdateAutomation", "main");
      return (o?.status?.observedPolicies as Record<string, { tag: string }> | undefined)?.app?.tag === "1.0.0" && cond(o, "Ready")?.status === "True" ? o : undefined;
    }, 60_000);
    // What the setters left alone is named, file by file, where Flux says nothing.
    const idleMessage = cond(idle, "Ready")?.message ?? "";
    expect(idleMessage).toStartWith("no updates made; ");
    expect(idleMessage).toContain("broken/notes.yaml: skipped: cannot parse the file as YAML: Missing , or : between flow sequence items");
    expect(idleMessage).toContain("deploy/web.yaml: left alone: the marker names kube-system:app:tag, which is not a setter of this automation's policies");
    expect(idleMessage).toContain(`branch/values.yaml: left alone: the marker names ${ns}:pinned, which is not a setter of this automation's policies`);
    expect(idle.status!.observedSourceRevision).toBe(`master@sha1:${seed}`);
    expect(idle.status!.lastAutomationRunTime).toBeString();
    expect(idle.status!.lastPushCommit).toBeUndefined();
    expect(git.git("app", ["rev-parse", "master"]).trim()).toBe(seed);
    const applied = await eventually("the Deployment at 1.0.0", async () => {
      const d = await client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns, name: "web" });
      return d ? d : undefined;
    }, 60_000);
    expect(JSON.stringify(applied.spec)).toContain(`${image}:1.0.0`);

    // A new tag: the scan finds it, the policy picks it, the policy's new latest image runs the automation.
    await pushTag("1.1.0");
    await request(IMG, "ImageRepository", "app", "rescan");
    const pushed = await eventually("the automation to push", async () => {
      const o = await get(IMG, "ImageUpdateAutomation", "main");
      return o?.status?.lastPushCommit ? o : undefined;
    }, 60_000);
    const head = git.git("app", ["rev-parse", "master"]).trim();
    const commit = pushed.status!.lastPushCommit as string;
    expect(commit).toBe(head);
    // A run right after the push (the GitRepository's new revision) may already say there is nothing left to do.
    const ready = String(cond(pushed, "Ready")?.message);
    expect(ready.startsWith(`committed and pushed commit '${commit}' to branch 'master'`) || ready.startsWith(`no updates made; last commit ${commit.slice(0, 7)} at `)).toBe(true);
    expect(git.git("app", ["log", "-1", "--format=%an <%ae>%n%P%n%B", "master"]).trim()).toBe(`Flux Bot <bot@rivulet.invalid>\n${seed}\nUpdate from image update automation`);
    const web = show("master", "deploy/web.yaml");
    // Only the marked image changed, byte for byte; the foreign marker and the comments stay.
    expect(web).toBe(fill(deployment("1.1.0")));
    expect(show("master", "broken/notes.yaml")).toBe(fill(NOT_YAML));
    expect(show("master", "branch/values.yaml")).toBe(fill(`image: IMAGE:0.9.0 # {"$imagepolicy": "NS:pinned"}\n`));
    expect(git.git("app", ["diff", "--name-only", seed, "master"]).trim()).toBe("deploy/web.yaml");
    const event = await eventually("the push event", async () => {
      const events = await client.list({ apiVersion: "v1", kind: "Event", namespace: ns });
      return events.items.find((e) => (e.involvedObject as { name: string }).name === "main" && String(e.message).startsWith("committed and pushed"));
    }, 30_000);
    expect(event?.message).toBe(`committed and pushed commit '${commit}' to branch 'master'\nUpdate from image update automation`);

    // The push enqueues the GitRepository (its interval is an hour here), and the cluster follows.
    await eventually("the Deployment at 1.1.0", async () => {
      const d = await client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns, name: "web" });
      return JSON.stringify(d?.spec).includes(`${image}:1.1.0`) ? d : undefined;
    }, 60_000);

    // Another run with nothing new makes no commit and says when the last one was; the CLI waits for it.
    const kubeconfig = (await testCluster()).kubeconfig;
    const cli = startRivulet(["reconcile", "image", "update", "main", "--kubeconfig", kubeconfig, "-n", ns, "--timeout", "60s"]);
    expect(await cli.exited).toBe(0);
    expect(cli.stderr.join("\n")).toContain(`✔ no updates made, last commit ${commit}`);
    const again = (await get(IMG, "ImageUpdateAutomation", "main"))!;
    expect(cond(again, "Ready")?.message).toStartWith(`no updates made; last commit ${commit.slice(0, 7)} at ${pushed.status!.lastPushTime}`);
    expect(git.git("app", ["rev-parse", "master"]).trim()).toBe(commit);
  }, 240_000);

  test("a push branch gets a signed commit made from the checkout branch, which stays where it was", async () => {
    const master = git.git("app", ["rev-parse", "master"]).trim();
    const key = join(dir, "signing");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bot", "-f", key]);
    await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "signing", namespace: ns }, stringData: { identity: readFileSync(key, "utf8") } }, fm);
    await client.apply({ apiVersion: IMG, kind: "ImagePolicy", metadata: { name: "pinned", namespace: ns, labels: { auto: "branch" } }, spec: { imageRepositoryRef: { name: "app" }, policy: { semver: { range: "~1.0.0" } } } }, fm);
    const spec = automation("branch", {}).spec as { git: Record<string, unknown> & { commit: Record<string, unknown> } };
    await client.apply(
      automation("branch", {
        policySelector: { matchExpressions: [{ key: "auto", operator: "In", values: ["branch"] }] },
        update: { path: "./branch", strategy: "Setters" },
        git: {
          ...spec.git,
          commit: { ...spec.git.commit, messageTemplate: "pin {{ range .Changed.Changes }}{{ .NewValue }}{{ end }}", signingKey: { type: "ssh", secretRef: { name: "signing" } } },
          push: { branch: "auto" },
        },
      }),
      fm,
    );
    const o = await eventually("the automation to push to auto", async () => {
      const o = await get(IMG, "ImageUpdateAutomation", "branch");
      return o?.status?.lastPushCommit ? o : undefined;
    }, 60_000);
    const commit = o.status!.lastPushCommit as string;
    expect(git.git("app", ["rev-parse", "auto"]).trim()).toBe(commit);
    expect(git.git("app", ["rev-parse", "master"]).trim()).toBe(master);
    expect(git.git("app", ["log", "-1", "--format=%P%n%s", "auto"]).trim()).toBe(`${master}\npin ${image}:1.0.0`);
    expect(show("auto", "branch/values.yaml")).toBe(`image: ${image}:1.0.0 # {"$imagepolicy": "${ns}:pinned"}\n`);
    const events = await client.list({ apiVersion: "v1", kind: "Event", namespace: ns });
    const messages = events.items.filter((e) => (e.involvedObject as { name: string }).name === "branch").map((e) => e.message);
    expect(messages).toContain(`committed and pushed commit '${commit}' to branch 'auto'\npin ${image}:1.0.0`);
    const allowed = join(dir, "allowed_signers");
    writeFileSync(allowed, `bot@rivulet.invalid ${readFileSync(`${key}.pub`, "utf8")}`);
    // git exits non-zero (and git.git throws) unless the signature verifies under the allowed key.
    expect(() => git.git("app", ["-c", "gpg.format=ssh", "-c", `gpg.ssh.allowedSignersFile=${allowed}`, "verify-commit", commit])).not.toThrow();
  }, 120_000);

  test("an OpenPGP key with a passphrase signs a commit git verify-commit accepts", async () => {
    const passphrase = "correct horse";
    const { privateKey, publicKey } = await openpgp.generateKey({ type: "ecc", userIDs: [{ name: "Flux Bot", email: "bot@rivulet.invalid" }], passphrase, format: "armored" });
    await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "gpg", namespace: ns }, stringData: { "git.asc": privateKey, passphrase } }, fm);
    await client.apply(
      automation("gpg", {
        policySelector: { matchLabels: { auto: "branch" } },
        update: { path: "./branch", strategy: "Setters" },
        git: {
          checkout: { ref: { branch: "master" } },
          commit: { author: { name: "Flux Bot", email: "bot@rivulet.invalid" }, signingKey: { secretRef: { name: "gpg" } } },
          push: { branch: "auto-gpg" },
        },
      }),
      fm,
    );
    const o = await eventually("the automation to push to auto-gpg", async () => {
      const o = await get(IMG, "ImageUpdateAutomation", "gpg");
      return o?.status?.lastPushCommit ? o : undefined;
    }, 60_000);
    const home = mkdtempSync(join(dir, "gnupg-"));
    execFileSync("gpg", ["--homedir", home, "--batch", "--import"], { input: publicKey, stdio: ["pipe", "ignore", "ignore"] });
    const verify = () => git.git("app", ["verify-commit", o.status!.lastPushCommit as string], { GNUPGHOME: home });
    expect(verify).not.toThrow();
    // And the check can fail: a keyring without the key refuses the same commit.
    const empty = mkdtempSync(join(dir, "gnupg-empty-"));
    expect(() => git.git("app", ["verify-commit", o.status!.lastPushCommit as string], { GNUPGHOME: empty })).toThrow();
  }, 120_000);

  test("a GitRepository in another namespace is refused before anything is read", async () => {
    await client.apply(automation("elsewhere", { sourceRef: { kind: "GitRepository", name: "app", namespace: "kube-system" } }), fm);
    const o = await eventually("the automation to stall", async () => {
      const o = await get(IMG, "ImageUpdateAutomation", "elsewhere");
      return cond(o, "Stalled")?.status === "True" ? o : undefined;
    });
    expect(cond(o, "Ready")).toMatchObject({ status: "False", reason: "AccessDenied", message: "cannot access 'GitRepository/kube-system/app', cross-namespace references have been blocked" });
  }, 60_000);
});
