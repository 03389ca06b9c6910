/**
 * The commit-status providers against a loopback server that keeps statuses as GitHub, GitLab and Gitea
 * do (routes, auth headers and bodies from fluxcd/notification-controller internal/notifier/github.go,
 * gitlab.go, gitea.go at 2e46958 and the client libraries they call).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { createHash } from "node:crypto";
import { serve, type Served } from "../../runtime/serve.ts";
import type { FluxEvent } from "../flux-event.ts";
import { httpPort } from "../notifier.ts";
import { NOTIFIERS } from "../provider-types.ts";
import { commitOf, defaultCommitStatus, parseGitAddress, splitCamelcase } from "./git-commit.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";
interface Seen {
  method: string;
  path: string;
  auth: string;
  body?: Record<string, string>;
}
const seen: Seen[] = [];
const stored = new Map<string, Array<Record<string, string>>>();
let served: Served;
let base: string;

beforeAll(async () => {
  const app = new Hono();
  const record = async (c: { req: { method: string; url: string; header(n: string): string | undefined; json(): Promise<unknown> } }, auth: string) => {
    const u = new URL(c.req.url);
    const s: Seen = { method: c.req.method, path: u.pathname + u.search, auth: c.req.header(auth) ?? "" };
    if (c.req.method === "POST") s.body = (await c.req.json()) as Record<string, string>;
    seen.push(s);
    return s;
  };
  app.get("/api/v3/repos/:o/:r/commits/:sha/statuses", async (c) => (await record(c, "authorization"), c.json(stored.get(`gh/${c.req.param("sha")}`) ?? [])));
  app.post("/api/v3/repos/:o/:r/statuses/:sha", async (c) => {
    const s = await record(c, "authorization");
    stored.set(`gh/${c.req.param("sha")}`, [s.body!, ...(stored.get(`gh/${c.req.param("sha")}`) ?? [])]);
    return c.json({}, 201);
  });
  app.get("/api/v4/projects/:id/repository/commits/:sha/statuses", async (c) => (await record(c, "private-token"), c.json((stored.get(`gl/${c.req.param("sha")}`) ?? []).map((b) => ({ sha: c.req.param("sha"), status: b.state, description: b.description, name: b.name })))));
  app.post("/api/v4/projects/:id/statuses/:sha", async (c) => {
    const s = await record(c, "private-token");
    stored.set(`gl/${c.req.param("sha")}`, [s.body!, ...(stored.get(`gl/${c.req.param("sha")}`) ?? [])]);
    return c.json({}, 201);
  });
  app.get("/api/v1/repos/:o/:r/commits/:sha/statuses", async (c) => (await record(c, "authorization"), c.json((stored.get(`gt/${c.req.param("sha")}`) ?? []).map((b) => ({ context: b.context, status: b.state, description: b.description })))));
  app.post("/api/v1/repos/:o/:r/statuses/:sha", async (c) => {
    const s = await record(c, "authorization");
    stored.set(`gt/${c.req.param("sha")}`, [s.body!, ...(stored.get(`gt/${c.req.param("sha")}`) ?? [])]);
    return c.json({}, 201);
  });
  app.get("/ctx/rest/api/latest/projects/:p/repos/:r/commits/:sha/builds", async (c) => {
    await record(c, "authorization");
    const have = stored.get(`bbs/${c.req.param("sha")}`)?.[0];
    return have && have.key === c.req.query("key") ? c.json(have) : c.json({ errors: [] }, 404);
  });
  app.post("/ctx/rest/api/latest/projects/:p/repos/:r/commits/:sha/builds", async (c) => {
    const s = await record(c, "authorization");
    stored.set(`bbs/${c.req.param("sha")}`, [s.body!]);
    return c.body(null, 204);
  });
  app.get("/2.0/repositories/:o/:r/commit/:sha/statuses/build/:key", async (c) => {
    await record(c, "authorization");
    const have = stored.get(`bb/${c.req.param("sha")}`)?.[0];
    return have && have.key === c.req.param("key") ? c.json(have) : c.json({ type: "error" }, 404);
  });
  app.post("/2.0/repositories/:o/:r/commit/:sha/statuses/build", async (c) => {
    const s = await record(c, "authorization");
    stored.set(`bb/${c.req.param("sha")}`, [s.body!]);
    return c.json({}, 201);
  });
  served = await serve(app.fetch, "127.0.0.1", 0);
  base = `http://127.0.0.1:${served.port}`;
});
afterAll(() => served.close());

const event = (severity: string, reason: string, revision: string | null = `main@sha1:${SHA}`): FluxEvent => ({
  involvedObject: { kind: "Kustomization", namespace: "apps", name: "webapp", apiVersion: "kustomize.toolkit.fluxcd.io/v1" },
  severity,
  timestamp: "2026-12-06T08:00:00Z",
  message: "m",
  reason,
  metadata: revision === null ? {} : { revision },
  reportingController: "kustomize-controller",
});

const post = (type: string, e: FluxEvent, token = "tok") =>
  NOTIFIERS[type]!({ type, address: `${base}/org/app.git`, token, providerUid: "0c9c2e41-aaaa-bbbb" }).post(e, httpPort({ fetch, signal: AbortSignal.timeout(5000), retries: 0 }));

describe("commit-status helpers (util.go)", () => {
  test.each([
    ["https://github.com/org/app", "https://github.com", "org/app"],
    ["https://gitlab.example/group/sub/project.git", "https://gitlab.example", "group/sub/project"],
    ["ssh://git@github.com/org/app.git", "https://github.com", "org/app"],
    ["git@github.com:org/app.git", "https://github.com", "org/app"],
  ])("parseGitAddress(%s)", (address, host, id) => {
    expect(parseGitAddress(address)).toEqual({ host, id });
  });

  test.each([
    [`main@sha1:${SHA}`, SHA],
    [`sha1:${SHA}`, SHA],
    [`main/${SHA}`, SHA],
    [SHA, SHA],
    [`v1@sha256:${"a".repeat(64)}`, "a".repeat(64)],
  ])("commitOf(%s)", (rev, hash) => {
    expect(commitOf(rev)).toBe(hash);
  });

  test("a revision without a hash is Flux's error", () => {
    expect(() => commitOf("main@md5:abc")).toThrow("failed to extract commit hash from 'main@md5:abc' revision");
  });

  test.each([
    ["HealthCheckFailed", ["Health", "Check", "Failed"]],
    ["ReconciliationSucceeded", ["Reconciliation", "Succeeded"]],
    ["HTTPError", ["HTTP", "Error"]],
    ["Build2Failed", ["Build", "2", "Failed"]],
  ])("splitCamelcase(%s)", (src, words) => {
    expect(splitCamelcase(src)).toEqual(words);
  });

  test("the default status id is kind/name/first UID segment, lower case", () => {
    expect(defaultCommitStatus("0C9C2E41-aaaa", event("info", "x"))).toBe("kustomization/webapp/0c9c2e41");
  });
});

describe("github, gitlab, gitea", () => {
  test("github: lists then creates the status with a Bearer token; an identical status is not posted again", async () => {
    seen.length = 0;
    await post("github", event("error", "HealthCheckFailed"));
    await post("github", event("error", "HealthCheckFailed"));
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      `GET /api/v3/repos/org/app/commits/${SHA}/statuses?per_page=50`,
      `POST /api/v3/repos/org/app/statuses/${SHA}`,
      `GET /api/v3/repos/org/app/commits/${SHA}/statuses?per_page=50`,
    ]);
    expect(seen[1]!.body).toEqual({ state: "failure", description: "health check failed", context: "kustomization/webapp/0c9c2e41" });
    expect(seen[1]!.auth).toBe("Bearer tok");
  });

  test("github and gitlab skip Progressing events; a missing revision is an error", async () => {
    seen.length = 0;
    await post("github", event("info", "Progressing"));
    await post("gitlab", event("info", "Progressing"));
    expect(seen).toEqual([]);
    await expect(post("github", event("info", "ReconciliationSucceeded", null))).rejects.toThrow("missing revision metadata");
  });

  test("gitlab: the project path URL-encoded, PRIVATE-TOKEN, success/failed", async () => {
    seen.length = 0;
    await post("gitlab", event("info", "ReconciliationSucceeded"), "glpat");
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      `GET /api/v4/projects/org%2Fapp/repository/commits/${SHA}/statuses?name=kustomization%2Fwebapp%2F0c9c2e41`,
      `POST /api/v4/projects/org%2Fapp/statuses/${SHA}`,
    ]);
    expect(seen[1]!.body).toEqual({ state: "success", name: "kustomization/webapp/0c9c2e41", description: "reconciliation succeeded" });
    expect(seen[1]!.auth).toBe("glpat");
  });

  test("gitea: Progressing is pending, token auth, target_url empty", async () => {
    seen.length = 0;
    await post("gitea", event("info", "Progressing"), "gt");
    expect(seen[1]!.body).toEqual({ state: "pending", target_url: "", description: "progressing", context: "kustomization/webapp/0c9c2e41" });
    expect(seen[1]!.auth).toBe("token gt");
  });

  test("bitbucketserver: builds of the commit under the clone URL's context path, 404 is no status yet, an identical one is not posted again", async () => {
    seen.length = 0;
    const n = NOTIFIERS.bitbucketserver!({ type: "bitbucketserver", address: `${base}/ctx/scm/PROJ/app.git`, username: "u", password: "p", providerUid: "0c9c2e41-aaaa" });
    const port = httpPort({ fetch, signal: AbortSignal.timeout(5000), retries: 0 });
    await n.post(event("error", "HealthCheckFailed"), port);
    await n.post(event("error", "HealthCheckFailed"), port);
    const key = createHash("sha1").update("kustomization/webapp/0c9c2e41").digest("hex");
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      `GET /ctx/rest/api/latest/projects/PROJ/repos/app/commits/${SHA}/builds?key=${key}`,
      `POST /ctx/rest/api/latest/projects/PROJ/repos/app/commits/${SHA}/builds`,
      `GET /ctx/rest/api/latest/projects/PROJ/repos/app/commits/${SHA}/builds?key=${key}`,
    ]);
    expect(seen[1]!.body).toEqual({ description: "health check failed", key, name: "kustomization/webapp [health check failed]", state: "FAILED", url: `${base}/ctx/scm/PROJ/app.git` });
    expect(seen[1]!.auth).toBe(`Basic ${btoa("u:p")}`);
  });

  test("bitbucketserver: an address that is not a clone URL is Flux's error", () => {
    expect(() => NOTIFIERS.bitbucketserver!({ type: "bitbucketserver", address: `${base}/PROJ/app`, token: "t" })).toThrow("could not parse git address: supplied provider address is not http(s) git clone url");
  });

  test("bitbucket: api.bitbucket.org (reached here through a rewriting fetch), basic auth from <user>:<password>", async () => {
    seen.length = 0;
    const toLoopback = (input: string | URL | Request, init?: RequestInit) => fetch(String(input).replace("https://api.bitbucket.org", base), init);
    const n = NOTIFIERS.bitbucket!({ type: "bitbucket", address: "https://bitbucket.org/org/app", token: "user:app-pw", providerUid: "0c9c2e41-aaaa" });
    const port = httpPort({ fetch: toLoopback, signal: AbortSignal.timeout(5000), retries: 0 });
    await n.post(event("info", "ReconciliationSucceeded"), port);
    await n.post(event("info", "ReconciliationSucceeded"), port);
    const key = createHash("sha1").update("kustomization/webapp/0c9c2e41").digest("hex");
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      `GET /2.0/repositories/org/app/commit/${SHA}/statuses/build/${key}`,
      `POST /2.0/repositories/org/app/commit/${SHA}/statuses/build`,
      `GET /2.0/repositories/org/app/commit/${SHA}/statuses/build/${key}`,
    ]);
    expect(seen[1]!.body).toEqual({ key, url: "https://bitbucket.org", state: "SUCCESSFUL", name: "kustomization/webapp", description: "reconciliation succeeded" });
    expect(seen[1]!.auth).toBe(`Basic ${btoa("user:app-pw")}`);
    expect(() => NOTIFIERS.bitbucket!({ type: "bitbucket", address: "https://bitbucket.org/org/app", token: "no-colon" })).toThrow("invalid token format, expected to be <user>:<password>");
  });

  test("no token is each type's configuration error", () => {
    expect(() => NOTIFIERS.github!({ type: "github", address: `${base}/o/r` })).toThrow("github token or github app details must be specified");
    expect(() => NOTIFIERS.gitlab!({ type: "gitlab", address: `${base}/o/r` })).toThrow("gitlab token cannot be empty");
    expect(() => NOTIFIERS.gitea!({ type: "gitea", address: `${base}/o/r` })).toThrow("gitea token cannot be empty");
  });
});
