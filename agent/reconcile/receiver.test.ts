import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import type { KubeClient } from "../kube/client.ts";
import { createLogger } from "../core/logger.ts";
import { TerminalError, TransientError } from "../core/errors.ts";
import type { EventInput } from "../status/events.ts";
import type { ReceiverSpec, ReceiverStatus } from "../api/receiver.ts";
import type { KindObject, ReconcileContext } from "./reconciler.ts";
import { receiverReconciler } from "./receiver.ts";

type Obj = KindObject<ReceiverSpec, ReceiverStatus>;

function context(secrets: Record<string, Record<string, string>>) {
  const events: EventInput[] = [];
  const client = {
    get: async (key: { kind: string; namespace?: string; name: string }) =>
      key.kind === "Secret" && key.namespace === "apps" && secrets[key.name] ? { apiVersion: "v1", kind: "Secret", metadata: { name: key.name }, stringData: secrets[key.name] } : undefined,
  } as unknown as KubeClient;
  const ctx: ReconcileContext<ReceiverStatus> = {
    client,
    log: createLogger(() => {}),
    events: { record: async (_obj, e) => void events.push(e) },
    now: () => new Date(),
    status: () => ({}),
    read: async () => undefined,
    progress: async () => {},
  };
  return { ctx, events };
}

const receiver = (spec: Partial<ReceiverSpec> = {}): Obj => ({
  apiVersion: "notification.toolkit.fluxcd.io/v1",
  kind: "Receiver",
  metadata: { name: "github-push", namespace: "apps", generation: 1 },
  spec: { type: "github", secretRef: { name: "hook-token" }, resources: [{ kind: "GitRepository", name: "app" }], ...spec },
});

describe("Receiver reconcile", () => {
  test("publishes /hook/<sha256(token+name+namespace)> with Flux's reason and message", async () => {
    const { ctx, events } = context({ "hook-token": { token: "t0ken" } });
    const path = "/hook/" + createHash("sha256").update("t0kengithub-pushapps").digest("hex");
    expect(await receiverReconciler().reconcile(receiver(), ctx)).toEqual({ reason: "Succeeded", message: `Receiver initialized for path: ${path}`, status: { webhookPath: path } });
    expect(events).toEqual([{ type: "Normal", reason: "Succeeded", message: "Reconciliation finished, next run in 10m0s" }]);
  });

  test.each([
    ["a missing Secret", {}, "unable to read token from secret 'apps/hook-token' error: Secret/apps/hook-token referenced by Receiver/apps/github-push not found: create it or fix the reference"],
    ["a Secret without the token key", { "hook-token": { password: "x" } }, "invalid 'apps/hook-token' secret data: required fields 'token'"],
  ])("%s is TokenNotFound, retried, and clears the path", async (_what, secrets, message) => {
    const { ctx } = context(secrets);
    const r = receiverReconciler();
    const err = await r.reconcile(receiver(), ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect([(err as TransientError).reason, (err as Error).message]).toEqual(["TokenNotFound", message]);
    expect(r.onFailure!(receiver(), err, ctx)).toEqual({ webhookPath: undefined });
  });

  test.each([
    [{ type: "gcr" as const }, `receiver type "gcr" is not supported by rivulet: verifying the Google OIDC ID token of a Pub/Sub push needs Google's signing keys, which rivulet does not fetch`],
    [{ resourceFilter: "res.metadata.name == 'app'" }, "spec.resourceFilter is not supported by rivulet: it has no CEL engine"],
    [{ resources: [{ kind: "GitRepository" as const, name: "*", matchLabels: {}, filter: "true" }] }, "spec.resources[0].filter is not supported by rivulet: it has no CEL engine"],
  ])("what rivulet cannot serve stalls with ValidationFailed: %o", async (spec, why) => {
    const { ctx } = context({ "hook-token": { token: "t" } });
    const err = await receiverReconciler().reconcile(receiver(spec), ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect([(err as TerminalError).reason, (err as Error).message]).toEqual(["ValidationFailed", `Reconciliation failed terminally due to configuration error: ${why}`]);
  });
});
