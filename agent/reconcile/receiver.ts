/**
 * Receiver (notification.toolkit.fluxcd.io/v1): reads the token from spec.secretRef (key `token`, the
 * Receiver's namespace) and publishes the hook's path in status.webhookPath, with the conditions and
 * reasons notification-controller writes: Ready=True `Succeeded` "Receiver initialized for path: …",
 * Ready=False `TokenNotFound` (path cleared, retried), and a terminal `ValidationFailed` for a spec
 * this agent cannot serve. The calls themselves are answered by agent/receiver through agent/http.
 *
 * What rivulet cannot serve is said on the object instead of being ignored: `gcr` and `generic-oidc`
 * (their tokens are verified with keys fetched from Google or the issuer), and CEL filters
 * (spec.resourceFilter, resources[].filter: rivulet has no CEL engine yet).
 */
import { TerminalError, TransientError } from "../core/errors.ts";
import { formatRef } from "../core/ref.ts";
import { receiverKind, type ReceiverSpec, type ReceiverStatus } from "../api/receiver.ts";
import { webhookPath } from "../receiver/webhook-path.ts";
import { UNSUPPORTED_TYPES } from "../receiver/receiver-check.ts";
import { readSecret } from "../kube/secret.ts";
import { formatDuration, parseDuration } from "../core/duration.ts";
import type { KindObject, ReconcileContext, Reconciler } from "./reconciler.ts";

export const REASONS = { TokenNotFound: "TokenNotFound", ValidationFailed: "ValidationFailed", Succeeded: "Succeeded" } as const;
const TERMINAL_PREFIX = "Reconciliation failed terminally due to configuration error";

type Obj = KindObject<ReceiverSpec, ReceiverStatus>;

export function receiverReconciler(): Reconciler<ReceiverSpec, ReceiverStatus> {
  return {
    apiVersion: receiverKind.apiVersion,
    kind: receiverKind.kind,
    controllerName: "notification-controller",
    async reconcile(obj: Obj, ctx: ReconcileContext<ReceiverStatus>) {
      const unsupported = unsupportedSpec(obj.spec);
      if (unsupported) throw new TerminalError(REASONS.ValidationFailed, `${TERMINAL_PREFIX}: ${unsupported}`);
      const token = await readToken(obj, ctx);
      const path = await webhookPath(token, obj.metadata.name!, obj.metadata.namespace!);
      if (obj.status?.webhookPath !== path) ctx.log.info(`${formatRef(obj)} Receiver initialized for path: ${path}`);
      const next = formatDuration(parseDuration(obj.spec.interval ?? "10m"));
      await ctx.events.record(obj, { type: "Normal", reason: REASONS.Succeeded, message: `Reconciliation finished, next run in ${next}` });
      return { reason: REASONS.Succeeded, message: `Receiver initialized for path: ${path}`, status: { webhookPath: path } };
    },
    // Without a token there is no path: a stale one would keep serving a rotated-away secret.
    onFailure: (_obj, err) => (err instanceof TerminalError ? undefined : { webhookPath: undefined }),
  };
}

/** What in the spec this agent cannot serve, or undefined. */
export function unsupportedSpec(spec: ReceiverSpec): string | undefined {
  const why = UNSUPPORTED_TYPES[spec.type];
  if (why) return `receiver type "${spec.type}" is not supported by rivulet: ${why}`;
  if (spec.resourceFilter) return "spec.resourceFilter is not supported by rivulet: it has no CEL engine";
  const i = spec.resources.findIndex((r) => r.filter);
  if (i >= 0) return `spec.resources[${i}].filter is not supported by rivulet: it has no CEL engine`;
  return undefined;
}

async function readToken(obj: Obj, ctx: ReconcileContext<ReceiverStatus>): Promise<string> {
  const ns = obj.metadata.namespace!;
  const name = obj.spec.secretRef?.name;
  if (!name) throw new TerminalError(REASONS.ValidationFailed, `${TERMINAL_PREFIX}: secretRef is required when type is not generic-oidc`);
  let data: Record<string, string>;
  try {
    data = await readSecret(ctx.client, ns, name, formatRef(obj));
  } catch (err) {
    throw new TransientError(REASONS.TokenNotFound, `unable to read token from secret '${ns}/${name}' error: ${(err as Error).message}`, { cause: err });
  }
  if (data.token === undefined) throw new TransientError(REASONS.TokenNotFound, `invalid '${ns}/${name}' secret data: required fields 'token'`);
  return data.token;
}
