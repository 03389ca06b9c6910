/**
 * Leader election on a coordination.k8s.io/v1 Lease in the agent's namespace, so that two replicas
 * never both act. Same timing model as client-go: a holder renews every retryPeriod; a candidate takes
 * the Lease over only when it has not been renewed for leaseDuration. Takeover and renewal are
 * conditional on the Lease's resourceVersion (server-side apply with a resourceVersion precondition),
 * so two candidates racing cannot both win. On stop the holder releases the Lease so a standby takes
 * over at once instead of after leaseDuration.
 */
import type { KubeClient } from "./client.ts";
import { isConflict, KubeApiError } from "./api-error.ts";
import type { KubeObject } from "./types.ts";
import type { Logger } from "../core/logger.ts";
import { abortableSleep } from "./watch-loop.ts";
import { formatMicroTime } from "../core/time.ts";

export const DEFAULTS = {
  leaseDurationSeconds: 15,
  renewDeadlineSeconds: 10,
  retryPeriodSeconds: 2,
  fieldManager: "rivulet-leader-election",
};

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  signal: AbortSignal;
  log: Logger;
  /**
   * `resumed`: this identity led before and the Lease still named it when taken back (its renewals had
   * failed, e.g. while the API server restarted, but nobody else held it meanwhile), so what it knew
   * then is still its own.
   */
  onStartedLeading(leading: AbortSignal, resumed: boolean): void;
  onStoppedLeading?(): void;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  now?: () => Date;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };


/** Runs until the signal aborts. Returns after releasing the Lease if it held it. */
export async function runLeaderElection(client: KubeClient, o: LeaderElectionOptions): Promise<void> {
  const dur = o.leaseDurationSeconds ?? DEFAULTS.leaseDurationSeconds;
  const retry = (o.retryPeriodSeconds ?? DEFAULTS.retryPeriodSeconds) * 1000;
  const deadline = (o.renewDeadlineSeconds ?? DEFAULTS.renewDeadlineSeconds) * 1000;
  const now = o.now ?? (() => new Date());
  const key = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: o.namespace, name: o.name };
  let leading: AbortController | undefined;
  let lastRenew = 0;
  let observed: { rv?: string; renew?: string; at: number } = { at: 0 };

  let ledBefore = false;
  /** Whether the Lease named this identity when last taken or renewed. */
  let wasMine = false;
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const t = now();
    const lease = (await client.get(key)) as Lease | undefined;
    const spec = lease?.spec ?? {};
    if (lease && spec.renewTime !== observed.renew) observed = { rv: lease.metadata.resourceVersion, renew: spec.renewTime, at: t.getTime() };
    const mine = spec.holderIdentity === o.identity;
    wasMine = Boolean(lease) && mine;
    const expired =
      !spec.holderIdentity || t.getTime() - observed.at > (spec.leaseDurationSeconds ?? dur) * 1000;
    if (lease && !mine && !expired) return false;
    const next: Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: o.name, namespace: o.namespace },
      spec: {
        holderIdentity: o.identity,
        leaseDurationSeconds: dur,
        acquireTime: mine ? spec.acquireTime : formatMicroTime(t),
        renewTime: formatMicroTime(t),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (mine || !lease ? 0 : 1),
      },
    };
    if (!lease) {
      // Create, not apply: a racing creator gets 409 AlreadyExists instead of silently overwriting.
      await client.raw("POST", `/apis/coordination.k8s.io/v1/namespaces/${o.namespace}/leases`, next);
    } else {
      next.metadata.resourceVersion = lease.metadata.resourceVersion;
      await client.apply(next, { fieldManager: DEFAULTS.fieldManager, force: true });
    }
    return true;
  };

  try {
    while (!o.signal.aborted) {
      let ok = false;
      try {
        ok = await tryAcquireOrRenew();
      } catch (err) {
        if (!isConflict(err) && !(err instanceof KubeApiError && err.reason === "AlreadyExists")) {
          o.log.error("leader election request failed", { lease: `${o.namespace}/${o.name}`, error: err });
        }
      }
      const t = now().getTime();
      if (ok) {
        lastRenew = t;
        if (!leading) {
          leading = new AbortController();
          o.log.info("acquired the leader lease", { lease: `${o.namespace}/${o.name}`, identity: o.identity });
          o.onStartedLeading(leading.signal, ledBefore && wasMine);
          ledBefore = true;
        }
      } else if (leading && t - lastRenew > deadline) {
        o.log.error("lost the leader lease: could not renew it within the renew deadline", { lease: `${o.namespace}/${o.name}` });
        leading.abort(new Error("lost leadership"));
        leading = undefined;
        o.onStoppedLeading?.();
      }
      await abortableSleep(retry, o.signal);
    }
  } finally {
    if (leading) {
      leading.abort(new Error("shutting down"));
      o.onStoppedLeading?.();
      await release(client, key, o.identity).catch((err) =>
        o.log.error("could not release the leader lease", { error: err }),
      );
    }
  }
}

async function release(client: KubeClient, key: { namespace: string; name: string; apiVersion: string; kind: string }, identity: string) {
  const lease = (await client.get(key)) as Lease | undefined;
  if (!lease || lease.spec?.holderIdentity !== identity) return;
  await client.apply(
    {
      apiVersion: key.apiVersion,
      kind: key.kind,
      metadata: { name: key.name, namespace: key.namespace, resourceVersion: lease.metadata.resourceVersion },
      spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1 },
    },
    { fieldManager: DEFAULTS.fieldManager, force: true },
  );
}
