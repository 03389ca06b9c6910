import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { checkWebhook, type CheckResult } from "./receiver-check.ts";

const TOKEN = "s3cr3t-token";
const enc = (s: string) => new TextEncoder().encode(s);
/** Signatures are made with node:crypto, an implementation independent of the one under test. */
const sign = (algo: "sha1" | "sha256" | "sha512", body: string, key = TOKEN) => createHmac(algo, key).update(body).digest("hex");

const PUSH = JSON.stringify({ ref: "refs/heads/main", after: "0123456789abcdef0123456789abcdef01234567" });
const DOCKERHUB = JSON.stringify({ push_data: { tag: "v1" }, repository: { repo_url: "https://hub.docker.com/r/org/app" } });
const QUAY = JSON.stringify({ docker_url: "quay.io/org/app", updated_tags: ["v1"] });
const ACR = JSON.stringify({ action: "push", target: { repository: "app", tag: "v1" } });
const NEXUS = JSON.stringify({ action: "CREATED", repositoryName: "docker-hosted" });
const CDEVENT = JSON.stringify({
  context: { version: "0.4.1", id: "271069a8", source: "/event/source/123", type: "dev.cdevents.artifact.published.0.2.0", timestamp: "2026-12-06T08:00:00Z" },
  subject: { id: "pkg:oci/app@sha256:0b3e", content: {} },
});

interface Case {
  name: string;
  type: string;
  headers?: Record<string, string>;
  body?: string;
  events?: string[];
  want: { ok: true; event?: string } | { ok: false; error: string };
}

const cases: Case[] = [
  { name: "generic: any call to the path", type: "generic", want: { ok: true } },

  { name: "generic-hmac: sha256 signature", type: "generic-hmac", body: PUSH, headers: { "X-Signature": `sha256=${sign("sha256", PUSH)}` }, want: { ok: true } },
  { name: "generic-hmac: sha1 signature", type: "generic-hmac", body: PUSH, headers: { "X-Signature": `sha1=${sign("sha1", PUSH)}` }, want: { ok: true } },
  { name: "generic-hmac: sha512 signature, upper-case hex", type: "generic-hmac", body: PUSH, headers: { "X-Signature": `sha512=${sign("sha512", PUSH).toUpperCase()}` }, want: { ok: true } },
  { name: "generic-hmac: signed with another key", type: "generic-hmac", body: PUSH, headers: { "X-Signature": `sha256=${sign("sha256", PUSH, "other")}` }, want: { ok: false, error: "unable to validate HMAC signature: payload signature check failed" } },
  { name: "generic-hmac: signature of another body", type: "generic-hmac", body: PUSH + " ", headers: { "X-Signature": `sha256=${sign("sha256", PUSH)}` }, want: { ok: false, error: "unable to validate HMAC signature: payload signature check failed" } },
  { name: "generic-hmac: missing signature", type: "generic-hmac", body: PUSH, want: { ok: false, error: "unable to validate HMAC signature: missing signature" } },
  { name: "generic-hmac: unknown algorithm", type: "generic-hmac", body: PUSH, headers: { "X-Signature": `md5=abcd` }, want: { ok: false, error: `unable to validate HMAC signature: unknown hash type prefix: "md5"` } },
  { name: "generic-hmac: no algorithm", type: "generic-hmac", body: PUSH, headers: { "X-Signature": sign("sha256", PUSH) }, want: { ok: false, error: `unable to validate HMAC signature: error parsing signature "${sign("sha256", PUSH)}"` } },
  { name: "generic-hmac: not hex", type: "generic-hmac", body: PUSH, headers: { "X-Signature": "sha256=zz" }, want: { ok: false, error: `unable to validate HMAC signature: error decoding signature "sha256=zz": encoding/hex: invalid byte or odd length` } },

  { name: "github: X-Hub-Signature-256", type: "github", body: PUSH, headers: { "Content-Type": "application/json", "X-GitHub-Event": "push", "X-Hub-Signature-256": `sha256=${sign("sha256", PUSH)}` }, want: { ok: true, event: "push" } },
  { name: "github: legacy X-Hub-Signature (sha1)", type: "github", body: PUSH, headers: { "Content-Type": "application/json", "X-GitHub-Event": "push", "X-Hub-Signature": `sha1=${sign("sha1", PUSH)}` }, want: { ok: true, event: "push" } },
  { name: "github: ping is answered", type: "github", body: "{}", headers: { "Content-Type": "application/json", "X-GitHub-Event": "ping", "X-Hub-Signature-256": `sha256=${sign("sha256", "{}")}` }, events: ["ping", "push"], want: { ok: true, event: "ping" } },
  { name: "github: form-encoded payload, signature over the raw body", type: "github", body: `payload=${encodeURIComponent(PUSH)}`, headers: { "Content-Type": "application/x-www-form-urlencoded", "X-GitHub-Event": "push", "X-Hub-Signature-256": `sha256=${sign("sha256", `payload=${encodeURIComponent(PUSH)}`)}` }, want: { ok: true, event: "push" } },
  { name: "github: events compared case-insensitively", type: "github", body: PUSH, events: ["PUSH"], headers: { "Content-Type": "application/json", "X-GitHub-Event": "push", "X-Hub-Signature-256": `sha256=${sign("sha256", PUSH)}` }, want: { ok: true, event: "push" } },
  { name: "github: invalid signature", type: "github", body: PUSH, headers: { "Content-Type": "application/json", "X-GitHub-Event": "push", "X-Hub-Signature-256": `sha256=${sign("sha256", PUSH, "other")}` }, want: { ok: false, error: "the GitHub signature header is invalid, err: payload signature check failed" } },
  { name: "github: missing signature", type: "github", body: PUSH, headers: { "Content-Type": "application/json", "X-GitHub-Event": "push" }, want: { ok: false, error: "the GitHub signature header is invalid, err: missing signature" } },
  { name: "github: event outside spec.events", type: "github", body: PUSH, events: ["push"], headers: { "Content-Type": "application/json", "X-GitHub-Event": "issues", "X-Hub-Signature-256": `sha256=${sign("sha256", PUSH)}` }, want: { ok: false, error: `the GitHub event "issues" is not authorised` } },
  { name: "github: no Content-Type", type: "github", body: PUSH, headers: { "X-GitHub-Event": "push", "X-Hub-Signature-256": `sha256=${sign("sha256", PUSH)}` }, want: { ok: false, error: "the GitHub signature header is invalid, err: mime: no media type" } },
  { name: "github: unsupported Content-Type", type: "github", body: PUSH, headers: { "Content-Type": "text/plain", "X-Hub-Signature-256": `sha256=${sign("sha256", PUSH)}` }, want: { ok: false, error: `the GitHub signature header is invalid, err: webhook request has unsupported Content-Type "text/plain"` } },

  { name: "gitlab: X-Gitlab-Token", type: "gitlab", body: PUSH, headers: { "X-Gitlab-Token": TOKEN, "X-Gitlab-Event": "Push Hook" }, events: ["Push Hook", "Tag Push Hook"], want: { ok: true, event: "Push Hook" } },
  { name: "gitlab: wrong token", type: "gitlab", body: PUSH, headers: { "X-Gitlab-Token": "guess", "X-Gitlab-Event": "Push Hook" }, want: { ok: false, error: "the X-Gitlab-Token header value does not match the receiver token" } },
  { name: "gitlab: missing token", type: "gitlab", body: PUSH, headers: { "X-Gitlab-Event": "Push Hook" }, want: { ok: false, error: "the X-Gitlab-Token header value does not match the receiver token" } },
  { name: "gitlab: event outside spec.events", type: "gitlab", body: PUSH, events: ["Tag Push Hook"], headers: { "X-Gitlab-Token": TOKEN, "X-Gitlab-Event": "Push Hook" }, want: { ok: false, error: `the GitLab event "Push Hook" is not authorised` } },

  { name: "bitbucket: X-Hub-Signature sha256", type: "bitbucket", body: PUSH, headers: { "Content-Type": "application/json", "X-Event-Key": "repo:refs_changed", "X-Hub-Signature": `sha256=${sign("sha256", PUSH)}` }, want: { ok: true, event: "repo:refs_changed" } },
  { name: "bitbucket: invalid signature", type: "bitbucket", body: PUSH, headers: { "Content-Type": "application/json", "X-Event-Key": "repo:refs_changed", "X-Hub-Signature": `sha256=${sign("sha256", "{}")}` }, want: { ok: false, error: "the Bitbucket server signature header is invalid, err: payload signature check failed" } },
  { name: "bitbucket: missing signature", type: "bitbucket", body: PUSH, headers: { "Content-Type": "application/json", "X-Event-Key": "repo:refs_changed" }, want: { ok: false, error: "the Bitbucket server signature header is invalid, err: missing signature" } },
  { name: "bitbucket: event outside spec.events", type: "bitbucket", body: PUSH, events: ["repo:refs_changed"], headers: { "Content-Type": "application/json", "X-Event-Key": "pr:opened", "X-Hub-Signature": `sha256=${sign("sha256", PUSH)}` }, want: { ok: false, error: `the Bitbucket server event "pr:opened" is not authorised` } },

  { name: "harbor: Authorization equals the token", type: "harbor", body: "{}", headers: { Authorization: TOKEN }, want: { ok: true } },
  { name: "harbor: wrong Authorization", type: "harbor", body: "{}", headers: { Authorization: `Bearer ${TOKEN}` }, want: { ok: false, error: "the Harbor Authorization header value does not match the receiver token" } },
  { name: "harbor: missing Authorization", type: "harbor", body: "{}", want: { ok: false, error: "the Harbor Authorization header value does not match the receiver token" } },

  { name: "dockerhub: a push payload", type: "dockerhub", body: DOCKERHUB, want: { ok: true } },
  { name: "dockerhub: a payload of the wrong shape", type: "dockerhub", body: JSON.stringify({ push_data: { tag: 1 } }), want: { ok: false, error: "cannot decode DockerHub webhook payload" } },
  { name: "dockerhub: no payload", type: "dockerhub", body: "", want: { ok: false, error: "cannot decode DockerHub webhook payload" } },

  { name: "quay: a push payload", type: "quay", body: QUAY, want: { ok: true } },
  { name: "quay: an empty object", type: "quay", body: "{}", want: { ok: true } },
  { name: "quay: tags not a list", type: "quay", body: JSON.stringify({ docker_url: "q", updated_tags: "v1" }), want: { ok: false, error: "cannot decode Quay webhook payload: json: cannot unmarshal string into Go struct field updated_tags of type []string" } },
  { name: "quay: no payload", type: "quay", body: "", want: { ok: false, error: "cannot decode Quay webhook payload: EOF" } },

  { name: "nexus: X-Nexus-Webhook-Signature (hex HMAC-SHA1)", type: "nexus", body: NEXUS, headers: { "X-Nexus-Webhook-Signature": sign("sha1", NEXUS) }, want: { ok: true } },
  { name: "nexus: fields missing or unknown are accepted, as Go decodes them", type: "nexus", body: '{"ref":"main"}', headers: { "X-Nexus-Webhook-Signature": sign("sha1", '{"ref":"main"}') }, want: { ok: true } },
  { name: "nexus: invalid signature", type: "nexus", body: NEXUS, headers: { "X-Nexus-Webhook-Signature": sign("sha1", NEXUS, "other") }, want: { ok: false, error: "invalid Nexus signature" } },
  { name: "nexus: a sha256 signature is not Nexus's", type: "nexus", body: NEXUS, headers: { "X-Nexus-Webhook-Signature": sign("sha256", NEXUS) }, want: { ok: false, error: "invalid Nexus signature" } },
  { name: "nexus: missing signature", type: "nexus", body: NEXUS, want: { ok: false, error: "the Nexus signature is missing from header" } },

  { name: "acr: a push payload", type: "acr", body: ACR, want: { ok: true } },
  { name: "acr: target of the wrong shape", type: "acr", body: JSON.stringify({ action: "push", target: "app" }), want: { ok: false, error: "cannot decode ACR webhook payload: json: cannot unmarshal string into Go value of type struct field target" } },

  { name: "cdevents: a v0.4 event", type: "cdevents", body: CDEVENT, headers: { "Ce-Type": "dev.cdevents.artifact.published.0.2.0" }, events: ["dev.cdevents.artifact.published.0.2.0"], want: { ok: true, event: "dev.cdevents.artifact.published.0.2.0" } },
  { name: "cdevents: not a CDEvent", type: "cdevents", body: JSON.stringify({ hello: "world" }), headers: { "Ce-Type": "x" }, want: { ok: false, error: "unable to validate CDEvent event: context is required" } },
  { name: "cdevents: event outside spec.events", type: "cdevents", body: CDEVENT, headers: { "Ce-Type": "dev.cdevents.artifact.published.0.2.0" }, events: ["dev.cdevents.build.finished.0.2.0"], want: { ok: false, error: `the CDEvent "dev.cdevents.artifact.published.0.2.0" is not authorised` } },

  { name: "gcr: refused, Google's OIDC token cannot be verified offline", type: "gcr", body: "{}", headers: { Authorization: "Bearer x.y.z" }, want: { ok: false, error: `receiver type "gcr" is not supported by rivulet: verifying the Google OIDC ID token of a Pub/Sub push needs Google's signing keys, which rivulet does not fetch` } },
];

describe("checkWebhook", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const r = await checkWebhook({ type: c.type, events: c.events, token: TOKEN }, { headers: new Headers(c.headers ?? {}), body: enc(c.body ?? "") });
    const { payload: _payload, ...verdict } = r as CheckResult & { payload?: unknown };
    expect(verdict).toEqual(c.want);
  });

  test("every receiver type but generic-oidc has both an accepted and a refused case", () => {
    for (const t of ["generic", "generic-hmac", "github", "gitlab", "bitbucket", "harbor", "dockerhub", "quay", "gcr", "nexus", "acr", "cdevents"]) expect([t, cases.some((c) => c.type === t && c.want.ok), cases.some((c) => c.type === t && !c.want.ok)]).toEqual([t, t !== "gcr", t !== "generic"]);
  });

  test.each<[string, Record<string, string>, Case["want"]]>([
    ["no signature is accepted", {}, { ok: true, event: "push" }],
    ["a wrong signature is still refused", { "X-Hub-Signature-256": `sha256=${sign("sha256", PUSH, "other")}` }, { ok: false, error: "the GitHub signature header is invalid, err: payload signature check failed" }],
    ["a signature made with the empty key is accepted", { "X-Hub-Signature-256": `sha256=${sign("sha256", PUSH, "")}` }, { ok: true, event: "push" }],
  ])("github with an empty token: %s (go-github checks a signature that is sent)", async (_what, extra, want) => {
    const r = await checkWebhook({ type: "github", token: "" }, { headers: new Headers({ "Content-Type": "application/json", "X-GitHub-Event": "push", ...extra }), body: enc(PUSH) });
    const { payload: _payload, ...verdict } = r as CheckResult & { payload?: unknown };
    expect(verdict).toEqual(want);
  });

  test("github hands on the JSON inside a form-encoded payload", async () => {
    const raw = `payload=${encodeURIComponent(PUSH)}`;
    const r = await checkWebhook({ type: "github", token: TOKEN }, { headers: new Headers({ "Content-Type": "application/x-www-form-urlencoded", "X-Hub-Signature-256": `sha256=${sign("sha256", raw)}` }), body: enc(raw) });
    expect(r.ok && new TextDecoder().decode(r.payload)).toBe(PUSH);
  });
});
