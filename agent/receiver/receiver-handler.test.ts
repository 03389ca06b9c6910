import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { createLogger } from "../core/logger.ts";
import { createReceiverHandler, REQUESTED_AT, type ReceiverObject } from "./receiver-handler.ts";
import { webhookPath } from "./webhook-path.ts";

const NS = "team";
const TOKEN = "tok";
const GIT = "source.toolkit.fluxcd.io/v1";

/** Objects by "Kind/namespace/name"; records writes. Enough of the KubeClient port for the handler. */
function memoryClient(objects: KubeObject[]) {
  const store = new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, structuredClone(o)]));
  const writes: string[] = [];
  const reads: string[] = [];
  const client = {
    async get(key) {
      reads.push(`${key.kind}/${key.namespace}/${key.name}`);
      return structuredClone(store.get(`${key.kind}/${key.namespace}/${key.name}`));
    },
    async list(ref, opts) {
      reads.push(`${ref.kind}/${ref.namespace}/*`);
      const want = (opts?.labelSelector ?? "").split(",").filter(Boolean).map((kv) => kv.split("="));
      const items = [...store.values()].filter((o) => o.kind === ref.kind && o.metadata.namespace === ref.namespace && want.every(([k, v]) => o.metadata.labels?.[k!] === v));
      return { apiVersion: "v1", kind: "List", metadata: {}, items } as never;
    },
    async patch(key, patch) {
      writes.push(`${key.kind}/${key.namespace}/${key.name}`);
      const o = store.get(`${key.kind}/${key.namespace}/${key.name}`)!;
      o.metadata.annotations = { ...o.metadata.annotations, ...(patch as KubeObject).metadata.annotations };
      return o;
    },
  } as Partial<KubeClient> as KubeClient;
  return { client, writes, reads, store };
}

const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "hook-token", namespace: NS }, data: { token: btoa(TOKEN) } };
const git = (name: string, labels?: Record<string, string>, namespace = NS): KubeObject => ({ apiVersion: GIT, kind: "GitRepository", metadata: { name, namespace, labels } });

async function receiver(spec: Partial<ReceiverObject["spec"]> = {}, status: { ready?: boolean } = { ready: true }): Promise<ReceiverObject> {
  const path = await webhookPath(TOKEN, "hook", NS);
  return {
    apiVersion: "notification.toolkit.fluxcd.io/v1",
    kind: "Receiver",
    metadata: { name: "hook", namespace: NS },
    spec: { type: "github", secretRef: { name: "hook-token" }, resources: [{ kind: "GitRepository", name: "app" }], ...spec },
    status: { webhookPath: path, conditions: [{ type: "Ready", status: status.ready ? "True" : "False", reason: "Succeeded", message: "", lastTransitionTime: "2026-12-06T00:00:00Z" }] },
  };
}

const push = (body = '{"ref":"refs/heads/main"}', key = TOKEN) => ({
  headers: new Headers({ "Content-Type": "application/json", "X-GitHub-Event": "push", "X-Hub-Signature-256": `sha256=${createHmac("sha256", key).update(body).digest("hex")}` }),
  body: new TextEncoder().encode(body),
});

async function setup(r: ReceiverObject, objects: KubeObject[] = [secret, git("app")]) {
  const mem = memoryClient(objects);
  const reports: string[] = [];
  const handle = createReceiverHandler({
    client: mem.client,
    namespace: NS,
    findReceiver: (p) => (p === r.status?.webhookPath ? r : undefined),
    log: createLogger(() => {}),
    report: async (_r, m) => void reports.push(m),
    now: () => new Date("2026-12-06T08:30:00.250Z"),
  });
  return { ...mem, reports, handle, path: r.status!.webhookPath! };
}

describe("a webhook call", () => {
  test("with a valid GitHub signature sets requestedAt on the named object and answers 200", async () => {
    const s = await setup(await receiver());
    const out = await s.handle(s.path, push());
    expect(out).toEqual({ status: 200, message: "Receiver/team/hook requested reconciliation (event push) of GitRepository/team/app", annotated: ["GitRepository/team/app"] });
    expect(s.store.get("GitRepository/team/app")!.metadata.annotations).toEqual({ [REQUESTED_AT]: "2026-12-06 08:30:00.25 +0000 UTC" });
  });

  test("with an invalid signature is refused with 400 and writes nothing", async () => {
    const s = await setup(await receiver());
    const out = await s.handle(s.path, push(undefined, "guess"));
    expect(out.status).toBe(400);
    expect(out.message).toBe("Receiver/team/hook unable to validate payload: the GitHub signature header is invalid, err: payload signature check failed");
    expect(s.writes).toEqual([]);
  });

  test("to an unknown path is 404 and reads nothing", async () => {
    const s = await setup(await receiver());
    expect((await s.handle("/hook/0000", push())).status).toBe(404);
    expect([s.reads, s.writes]).toEqual([[], []]);
  });

  test.each([
    ["suspended", { suspend: true }, { ready: true }, "Receiver/team/hook is suspended"],
    ["not ready", {}, { ready: false }, "Receiver/team/hook is not ready"],
  ])("to a %s Receiver is 503", async (_what, spec, status, message) => {
    const s = await setup(await receiver(spec, status));
    expect(await s.handle(s.path, push())).toEqual({ status: 503, message, annotated: [] });
    expect(s.writes).toEqual([]);
  });

  test("without the token Secret is 400", async () => {
    const s = await setup(await receiver(), [git("app")]);
    const out = await s.handle(s.path, push());
    expect(out.status).toBe(400);
    expect(out.message).toBe("Receiver/team/hook unable to validate payload: unable to read secret, error: Secret/team/hook-token referenced by Receiver/team/hook not found: create it or fix the reference");
  });

  test("annotates the objects matching labels for name '*', and only those", async () => {
    const s = await setup(await receiver({ resources: [{ kind: "GitRepository", name: "*", matchLabels: { team: "a" } }] }), [secret, git("one", { team: "a" }), git("two", { team: "b" }), git("three", { team: "a" })]);
    const out = await s.handle(s.path, push());
    expect(out.status).toBe(200);
    expect(s.writes.sort()).toEqual(["GitRepository/team/one", "GitRepository/team/three"]);
  });

  test("refuses an object in another namespace, reports it, writes the others and answers 500", async () => {
    const s = await setup(await receiver({ resources: [{ kind: "GitRepository", name: "app", namespace: "victim" }, { kind: "GitRepository", name: "app" }] }), [secret, git("app"), git("app", undefined, "victim")]);
    const out = await s.handle(s.path, push());
    expect(out.status).toBe(500);
    expect(s.writes).toEqual(["GitRepository/team/app"]);
    expect(s.reads.filter((r) => r.includes("victim"))).toEqual([]);
    expect(s.reports).toEqual(["Receiver/team/hook refused to reconcile GitRepository/victim/app: cross-namespace references are not allowed"]);
  });

  test("naming a missing object answers 500", async () => {
    const s = await setup(await receiver({ resources: [{ kind: "GitRepository", name: "gone" }] }));
    const out = await s.handle(s.path, push());
    expect(out).toEqual({ status: 500, message: `Receiver/team/hook unable to request reconciliation (event push): unable to read GitRepository "team/gone" error: not found`, annotated: [] });
  });
});
