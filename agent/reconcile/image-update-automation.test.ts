// The ImageUpdateAutomation reconciler against a real git http-backend on loopback: a push that loses a
// race is redone on the other writer's commit (never forced), the attempts are bounded, bad settings are
// refused before any git request, and Flux's status texts, selectors and push options as tables.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ImagePolicyStatus } from "../api/image-policy.ts";
import type { ImageUpdateAutomationSpec, ImageUpdateAutomationStatus } from "../api/image-update-automation.ts";
import type { EventInput } from "../status/events.ts";
import { createLogger } from "../core/logger.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { startGitServer, type GitServer } from "../devtools/git-http-server.ts";
import type { KindObject, ReconcileContext } from "./reconciler.ts";
import { DEFAULTS, imageUpdateAutomationReconciler, labelSelectorOf, pushOptionsOf, pushSummary } from "./image-update-automation.ts";

let git: GitServer;
beforeAll(async () => void (git = await startGitServer()));
afterAll(async () => git?.stop());

const NOW = new Date("2026-12-06T03:00:00Z");
const file = (tag: string) => `image: reg.example/app:${tag} # {"$imagepolicy": "apps:app"}\n`;

function world(repoName: string, policies: Array<{ name: string; tag?: string; labels?: Record<string, string> }>) {
  const events: EventInput[] = [];
  const requests: string[] = [];
  const repo: KubeObject = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "app", namespace: "apps" }, spec: { url: git.url(repoName), interval: "1m", ref: { branch: "master" } } };
  const client = {
    list: async (_ref: unknown, opts?: { labelSelector?: string }) => {
      requests.push(`list ImagePolicy ${opts?.labelSelector ?? ""}`);
      const items = policies
        .filter((p) => !opts?.labelSelector || Object.entries(p.labels ?? {}).some(([k, v]) => opts.labelSelector === `${k}=${v}`))
        .map((p) => ({ apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImagePolicy", metadata: { name: p.name, namespace: "apps" }, status: (p.tag ? { latestRef: { name: "reg.example/app", tag: p.tag } } : {}) as ImagePolicyStatus }));
      return { items };
    },
    get: async () => undefined,
  } as unknown as KubeClient;
  const ctx: ReconcileContext<ImageUpdateAutomationStatus> = {
    client,
    log: createLogger(() => {}),
    events: { record: async (_o, e) => void events.push(e) },
    now: () => NOW,
    status: () => ({}),
    progress: async () => {},
    read: async (key) => {
      requests.push(`read ${key.kind}/${key.namespace}/${key.name}`);
      return key.kind === "GitRepository" && key.namespace === "apps" && key.name === "app" ? repo : undefined;
    },
  };
  return { ctx, events, requests };
}

function automation(spec: Partial<ImageUpdateAutomationSpec> = {}): KindObject<ImageUpdateAutomationSpec, ImageUpdateAutomationStatus> {
  return {
    apiVersion: "image.toolkit.fluxcd.io/v1",
    kind: "ImageUpdateAutomation",
    metadata: { name: "auto", namespace: "apps" },
    spec: {
      interval: "1h",
      sourceRef: { kind: "GitRepository", name: "app" },
      git: { commit: { author: { name: "Bot", email: "bot@example.com" } } },
      ...spec,
    },
  };
}

/** fetch that lets `onPush` run once, just before the first receive-pack POST reaches the server. */
function racingFetch(onPush: () => void, times = 1): typeof fetch {
  let left = times;
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (left > 0 && url.endsWith("/git-receive-pack") && (init?.method ?? "GET") === "POST") {
      left--;
      onPush();
    }
    return fetch(input, init);
  }) as typeof fetch;
}

describe("ImageUpdateAutomation reconciler", () => {
  test("a push that loses a race is redone on a fresh checkout, on top of the other writer's commit", async () => {
    await git.createRepo("race", { "app.yaml": file("1.0.0"), "other.txt": "a\n" });
    let theirs = "";
    const commitTheirs = () => {
      git.git("race", ["commit", "-q", "--allow-empty", "-m", "someone else"]);
      theirs = git.git("race", ["rev-parse", "HEAD"]).trim();
    };
    const deps = { fetchFor: () => racingFetch(commitTheirs) };
    const { ctx, events } = world("race", [{ name: "app", tag: "1.1.0" }]);
    const result = await imageUpdateAutomationReconciler(deps).reconcile(automation({ git: { checkout: { ref: { branch: "master" } }, commit: { author: { name: "Bot", email: "bot@example.com" } } } }), ctx);
    const head = git.git("race", ["rev-parse", "refs/heads/master"]).trim();
    expect(git.git("race", ["log", "-1", "--format=%P", head]).trim()).toBe(theirs);
    expect(git.git("race", ["show", `${head}:app.yaml`])).toBe(file("1.1.0"));
    expect(result.message).toBe(`committed and pushed commit '${head}' to branch 'master'`);
    expect(result.status).toMatchObject({ lastPushCommit: head, observedSourceRevision: `master@sha1:${head}`, observedPolicies: { app: { name: "reg.example/app", tag: "1.1.0" } } });
    expect(events).toEqual([{ type: "Normal", reason: "Succeeded", message: `${result.message}\nUpdate from image update automation` }]);
  });

  test("a branch that keeps moving fails after DEFAULTS.pushAttempts checkouts, and nothing is forced", async () => {
    await git.createRepo("busy", { "app.yaml": file("1.0.0") });
    const move = () => {
      git.git("busy", ["commit", "-q", "--allow-empty", "-m", "busy"]);
    };
    const { ctx } = world("busy", [{ name: "app", tag: "1.1.0" }]);
    const err = await imageUpdateAutomationReconciler({ fetchFor: () => racingFetch(move, DEFAULTS.pushAttempts) })
      .reconcile(automation({ git: { push: { branch: "master" }, commit: { author: { email: "bot@example.com" } } } }), ctx)
      .then(() => undefined, (e: Error & { reason?: string }) => e);
    expect(err?.reason).toBe("GitOperationFailed");
    // Every commit on master is someone else's: the agent's never landed.
    const subjects = git.git("busy", ["log", "--format=%s", "master"]).trim().split("\n");
    expect(subjects.slice(0, DEFAULTS.pushAttempts)).toEqual(Array(DEFAULTS.pushAttempts).fill("busy"));
    expect(subjects.length).toBe(DEFAULTS.pushAttempts + 1);
  });

  test.each([
    ["a GitRepository in another namespace", { sourceRef: { kind: "GitRepository" as const, name: "app", namespace: "other" } }, "AccessDenied", "cannot access 'GitRepository/other/app', cross-namespace references have been blocked"],
    ["a GitRepository that does not exist", { sourceRef: { kind: "GitRepository" as const, name: "missing" } }, "DependencyNotReady", "referenced source GitRepository/apps/missing does not exist"],
    ["no push branch and a checkout that is not a branch", { git: { checkout: { ref: { tag: "v1" } }, commit: { author: { email: "b@example.com" } } } }, "InvalidSourceConfiguration", "Push spec not provided, and cannot be inferred from .spec.git.checkout.ref or GitRepository .spec.ref"],
    ["no spec.git", { git: undefined }, "InvalidSourceConfiguration", "source configuration requires .spec.git"],
    ["a signing key Secret without its key", { git: { commit: { author: { email: "b@example.com" }, signingKey: { secretRef: { name: "nokey" } } } } }, "AuthenticationFailed", undefined],
  ])("%s is refused before any git request", async (_what, spec, reason, message) => {
    const { ctx } = world("none", []);
    const seen = git.requests.length;
    const err = (await imageUpdateAutomationReconciler({ fetchFor: () => fetch }).reconcile(automation(spec), ctx).then(() => undefined, (e: unknown) => e)) as Error & { reason: string };
    expect(err.reason).toBe(reason);
    if (message) expect(err.message).toBe(message);
    expect(git.requests.length).toBe(seen);
  });

  test.each([
    ["abc", "main", undefined, "committed and pushed commit 'abc' to branch 'main'"],
    ["abc", "main", "refs/heads/main:refs/heads/auto", "committed and pushed commit 'abc' to branch 'main' and using refspec 'refs/heads/main:refs/heads/auto'"],
    ["abc", undefined, "HEAD:refs/heads/auto", "committed and pushed commit 'abc' using refspec 'HEAD:refs/heads/auto'"],
  ])("pushSummary(%p, %p, %p) is Flux's status message", (commit, branch, refspec, want) => {
    expect(pushSummary(commit, branch, refspec)).toBe(want);
  });

  test.each([
    [undefined, ""],
    [{ matchLabels: { a: "b", c: "d" } }, "a=b,c=d"],
    [{ matchExpressions: [{ key: "t", operator: "In", values: ["x", "y"] }, { key: "u", operator: "NotIn", values: ["z"] }, { key: "e", operator: "Exists" }, { key: "n", operator: "DoesNotExist" }] }, "t in (x,y),u notin (z),e,!n"],
  ])("labelSelectorOf(%j) is %p", (sel, want) => {
    expect(labelSelectorOf(sel)).toBe(want);
  });

  test("an unknown selector operator is refused with its name", () => {
    expect(() => labelSelectorOf({ matchExpressions: [{ key: "a", operator: "Near" }] })).toThrow('failed to parse policy selector: "Near" is not a valid label selector operator');
  });

  test("push options are key=value, or the key alone when the value is empty, in key order", () => {
    expect(pushOptionsOf({ "merge_request.create": "", "merge_request.target": "main" })).toEqual(["merge_request.create", "merge_request.target=main"]);
    expect(pushOptionsOf(undefined)).toBeUndefined();
  });
});
