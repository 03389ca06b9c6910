/**
 * Receivers end to end: `rivulet run` as a tenant serves a GitHub Receiver on its own address
 * (--receiver-addr); a push webhook with a valid X-Hub-Signature-256 makes the GitRepository fetch the
 * commit the local git server just got, and an invalid, unsigned, oversized or misaddressed call
 * changes nothing on the real control plane, and an object of another namespace is never written.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { adminClient, deleteNamespace, eventually, installTenant, serviceAccountKubeconfig, testCluster, uniqueNamespace } from "../support/cluster.ts";
import { startRivulet, type AgentProcess } from "../support/agent-process.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const TOKEN = "webhook-s3cret";
const SOURCE = "source.toolkit.fluxcd.io/v1";
const NOTIFICATION = "notification.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };

let admin: KubeClient;
let ns: string;
let git: GitServer;
let agent: AgentProcess;
let hooks: string;
/** The agent's probe and metrics address. */
let probes: string;
/** Another tenant's namespace. */
let victim: string;

const repoKey = () => ({ apiVersion: SOURCE, kind: "GitRepository", namespace: ns, name: "app" });
const repo = async () => (await admin.get(repoKey())) as FluxObject;
const ready = (o: FluxObject | undefined) => o?.status?.conditions?.find((c) => c.type === "Ready");
const revision = (o: FluxObject) => (o.status?.artifact as { revision?: string } | undefined)?.revision;
const requestedAt = (o: FluxObject) => o.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"];

function pushCall(body: string, key = TOKEN, headers: Record<string, string> = {}): RequestInit {
  const signature = `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;
  return { method: "POST", body, headers: { "Content-Type": "application/json", "X-GitHub-Event": "push", "X-GitHub-Delivery": crypto.randomUUID(), "X-Hub-Signature-256": signature, ...headers } };
}

/** A `rivulet` command as a user runs it (a real process), with the admin kubeconfig, in the tenant's namespace. */
async function rivulet(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = startRivulet([...args, "--kubeconfig", (await testCluster()).kubeconfig, "-n", ns]);
  const code = await p.exited;
  return { code, out: p.lines.map((l) => String(l.unparsed ?? JSON.stringify(l))).join("\n"), err: p.stderr.join("\n") };
}

beforeAll(async () => {
  admin = await adminClient();
  ns = await uniqueNamespace("receiver");
  victim = await uniqueNamespace("victim");
  await installTenant(ns);
  const kubeconfig = await serviceAccountKubeconfig(ns, "rivulet");
  git = await startGitServer();
  await git.createRepo("app", { "deploy/cm.yaml": "kind: ConfigMap\nv: 1\n" });
  await admin.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "webhook-token", namespace: ns }, stringData: { token: TOKEN } }, fm);
  // A long interval: only the webhook can make it fetch again within the test.
  await admin.apply({ apiVersion: SOURCE, kind: "GitRepository", metadata: { name: "app", namespace: ns }, spec: { interval: "1h", url: git.url("app"), ref: { branch: "master" } } }, fm);
  await admin.apply(
    {
      apiVersion: NOTIFICATION,
      kind: "Receiver",
      metadata: { name: "github", namespace: ns },
      spec: { type: "github", events: ["ping", "push"], secretRef: { name: "webhook-token" }, resources: [{ kind: "GitRepository", name: "app" }] },
    },
    fm,
  );
  // A Receiver that also names an object of another tenant.
  await admin.apply(
    {
      apiVersion: NOTIFICATION,
      kind: "Receiver",
      metadata: { name: "cross", namespace: ns },
      spec: { type: "generic", secretRef: { name: "webhook-token" }, resources: [{ kind: "GitRepository", name: "app", namespace: victim }, { kind: "GitRepository", name: "app" }] },
    },
    fm,
  );
  await admin.apply({ apiVersion: SOURCE, kind: "GitRepository", metadata: { name: "app", namespace: victim }, spec: { interval: "1h", url: git.url("app") } }, fm);
  agent = startRivulet(["run", "--kubeconfig", kubeconfig, "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--receiver-addr", "127.0.0.1:0", "--no-leader-elect"]);
  probes = `http://${(await agent.waitForLog((l) => l.msg === "serving probes and metrics")).addr}`;
  hooks = `http://${(await agent.waitForLog((l) => l.msg === "serving Receiver webhooks")).addr}`;
});
afterAll(async () => {
  agent?.child.kill("SIGTERM");
  await agent?.exited;
  await git?.stop();
  await deleteNamespace(ns);
  await deleteNamespace(victim);
});

describe("Receiver", () => {
  let path: string;
  let first: FluxObject;

  test("is Ready with status.webhookPath = /hook/ + sha256(token + name + namespace)", async () => {
    const want = "/hook/" + createHash("sha256").update(TOKEN + "github" + ns).digest("hex");
    const r = await eventually("Receiver Ready", async () => {
      const o = (await admin.get({ apiVersion: NOTIFICATION, kind: "Receiver", namespace: ns, name: "github" })) as FluxObject | undefined;
      return ready(o)?.status === "True" ? o : undefined;
    });
    expect(r.status?.webhookPath).toBe(want);
    expect(ready(r)).toMatchObject({ reason: "Succeeded", message: `Receiver initialized for path: ${want}` });
    expect(r.metadata.finalizers).toEqual(["finalizers.fluxcd.io"]);
    path = want;
    first = await eventually("GitRepository Ready", async () => (ready(await repo())?.status === "True" ? repo() : undefined), 45_000);
  });

  test("refuses bad calls with Flux's status codes and reconciles nothing", async () => {
    await git.commit("app", { "deploy/cm.yaml": "kind: ConfigMap\nv: 2\n" }, "second");
    const body = JSON.stringify({ ref: "refs/heads/master" });
    const codes = [
      (await fetch(hooks + path, pushCall(body, "a-guess"))).status,
      (await fetch(hooks + path, { method: "POST", body, headers: { "Content-Type": "application/json", "X-GitHub-Event": "push" } })).status,
      (await fetch(hooks + path, pushCall(body, TOKEN, { "X-GitHub-Event": "issues" }))).status,
      (await fetch(hooks + "/hook/" + "0".repeat(64), pushCall(body))).status,
      (await fetch(hooks + path, pushCall("x".repeat(3 * 1024 * 1024 + 1)))).status,
    ];
    expect(codes).toEqual([400, 400, 400, 404, 413]);
    const metrics = await (await fetch(`${probes}/metrics`)).text();
    expect(metrics).toMatch(/^rivulet_receiver_requests_total\{code="400"\} 3$/m);
    expect(metrics).toMatch(/^rivulet_receiver_requests_total\{code="413"\} 1$/m);
    await new Promise((r) => setTimeout(r, 2000));
    const after = await repo();
    expect([requestedAt(after), revision(after), after.metadata.resourceVersion]).toEqual([undefined, revision(first), first.metadata.resourceVersion]);
  });

  test("a signed push sets requestedAt and the GitRepository fetches the new commit", async () => {
    const head = git.git("app", ["rev-parse", "HEAD"]).trim();
    const body = JSON.stringify({ ref: "refs/heads/master", after: head, repository: { clone_url: git.url("app") } });
    expect((await fetch(hooks + path, pushCall(body))).status).toBe(200);
    const done = await eventually("the webhook's reconcile", async () => {
      const o = await repo();
      return requestedAt(o) && o.status?.lastHandledReconcileAt === requestedAt(o) && revision(o) === `master@sha1:${head}` ? o : undefined;
    }, 45_000);
    expect(requestedAt(done)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC$/);
  });

  test("a GitHub ping in spec.events is answered 200", async () => {
    expect((await fetch(hooks + path, pushCall("{}", TOKEN, { "X-GitHub-Event": "ping" }))).status).toBe(200);
  });

  test("an object in another namespace is refused and reported, never written; the tenant's own is annotated", async () => {
    const cross = "/hook/" + createHash("sha256").update(TOKEN + "cross" + ns).digest("hex");
    await eventually("Receiver cross Ready", async () => {
      const o = (await admin.get({ apiVersion: NOTIFICATION, kind: "Receiver", namespace: ns, name: "cross" })) as FluxObject | undefined;
      return ready(o)?.status === "True" && o?.status?.webhookPath === cross;
    });
    const before = await repo();
    expect((await fetch(hooks + cross, { method: "POST" })).status).toBe(500);
    const other = (await admin.get({ apiVersion: SOURCE, kind: "GitRepository", namespace: victim, name: "app" })) as FluxObject;
    expect(requestedAt(other)).toBeUndefined();
    expect(requestedAt(await repo())).not.toBe(requestedAt(before));
    const warning = await eventually("the refusal event", async () =>
      (await admin.list({ apiVersion: "v1", kind: "Event", namespace: ns })).items.find((e) => e.reason === "ReconciliationFailed" && String(e.message).includes("cross-namespace")),
    );
    expect(warning.message).toBe(`Receiver/${ns}/cross refused to reconcile GitRepository/${victim}/app: cross-namespace references are not allowed`);
  });
});

describe("rivulet commands for the notification kinds", () => {
  test("create receiver waits for the agent and prints the webhook path; get receivers shows flux's columns", async () => {
    const want = "/hook/" + createHash("sha256").update(TOKEN + "gitlab" + ns).digest("hex");
    const created = await rivulet("create", "receiver", "gitlab", "--type", "gitlab", "--secret-ref", "webhook-token", "--resource", "GitRepository/app", "--event", "Push Hook", "--timeout", "60s");
    expect([created.code, created.err.split("\n").at(-1)]).toEqual([0, `✔ generated webhook URL ${want}`]);
    const got = await rivulet("get", "receivers");
    expect(got.out.split("\n")[0]).toMatch(/^NAME\s+SUSPENDED\s+READY\s+MESSAGE$/);
    expect(got.out).toMatch(new RegExp(`^gitlab\\s+False\\s+True\\s+Receiver initialized for path: ${want}$`, "m"));
    const call = () => fetch(hooks + want, { method: "POST", body: "{}", headers: { "X-Gitlab-Token": TOKEN, "X-Gitlab-Event": "Push Hook" } });
    expect((await call()).status).toBe(200);
    expect((await rivulet("suspend", "receiver", "gitlab")).code).toBe(0);
    await eventually("the suspension to reach the agent", async () => (await call()).status === 503);
    const resumed = await rivulet("resume", "receiver", "gitlab", "--timeout", "60s");
    expect([resumed.code, resumed.err]).toEqual([0, expect.stringContaining(`✔ Receiver reconciliation completed: Receiver initialized for path: ${want}`)]);
    await eventually("the resumed Receiver to answer", async () => (await call()).status === 200);
    const reconciled = await rivulet("reconcile", "receiver", "gitlab", "--timeout", "60s");
    expect([reconciled.code, reconciled.err]).toEqual([0, expect.stringContaining("✔ Receiver reconciliation completed")]);
  });

  test("create alert-provider and alert, then get shows them as flux does", async () => {
    expect((await rivulet("create", "alert-provider", "hook", "--type", "generic", "--address", "http://127.0.0.1:1/")).code).toBe(0);
    expect((await rivulet("create", "alert", "ops", "--provider-ref", "hook", "--event-source", "GitRepository/app")).code).toBe(0);
    const alerts = await rivulet("get", "alerts");
    expect(alerts.out.split("\n")[0]).toMatch(/^NAME\s+SUSPENDED\s+READY\s+MESSAGE$/);
    expect(alerts.out).toMatch(/^ops\s+False\s+True\s+\S/m);
    const providers = await rivulet("get", "alert-providers");
    expect(providers.out.split("\n")[0]).toMatch(/^NAME\s+READY\s+MESSAGE$/);
    expect(providers.out).toMatch(/^hook\s+True\s+\S/m);
    expect((await rivulet("suspend", "alert", "ops")).code).toBe(0);
    expect((await admin.get({ apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Alert", namespace: ns, name: "ops" }))?.spec).toMatchObject({ suspend: true });
    expect((await rivulet("resume", "alert", "ops")).code).toBe(0);
    // As flux events --for Alert/NAME: the Alert's events come with its Provider's (how deliveries fare).
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const event = (kind: string, name: string, reason: string, message: string) => ({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${name}.${Math.random().toString(16).slice(2)}`, namespace: ns },
      involvedObject: { apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind, name, namespace: ns },
      reason,
      message,
      type: "Warning",
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
    await admin.apply(event("Provider", "hook", "ValidationFailed", "the provider hook says so"), fm);
    await admin.apply(event("Provider", "elsewhere", "ValidationFailed", "another provider"), fm);
    const events = await rivulet("events", "--for", "Alert/ops");
    expect(events.out).toContain("the provider hook says so");
    expect(events.out).not.toContain("another provider");
  });

  test("events --for Receiver/NAME shows what the agent reported about it", async () => {
    const r = await rivulet("events", "--for", "Receiver/cross");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Warning\s+ReconciliationFailed\s+Receiver\/cross\s+Receiver\/\S+\/cross refused to reconcile GitRepository\/\S+\/app: cross-namespace references are not allowed/);
  });
});
