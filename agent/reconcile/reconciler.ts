/**
 * What a kind implements to be served by a Controller (controller.ts): the object types it sees (its
 * spec and status from agent/api), the ports its reconcile gets (ReconcileContext), what a success
 * reports (ReconcileSuccess), and the hooks around it (onFailure, start, finalize). A kind's file depends
 * on this contract only; the controller loop that drives it is controller.ts.
 */
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../core/logger.ts";
import type { Condition } from "../status/conditions.ts";
import type { EventRecorder } from "../status/events.ts";

export interface ObjectStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  lastHandledReconcileAt?: string;
  [field: string]: unknown;
}

/** The spec fields the controller itself reads, whatever the kind. */
export interface CommonSpec {
  interval?: string;
  retryInterval?: string;
  suspend?: boolean;
}

/**
 * One kind's object as its reconciler sees it: the exact spec and status types agent/api infers from
 * the kind's schema (e.g. `KindObject<GitRepositorySpec, GitRepositoryStatus>`).
 */
export type KindObject<Spec, Status> = KubeObject & { spec: Spec; status?: Status };

/** Any kind's object, as the controller and the manager handle it (every Flux kind has a spec). */
export type FluxObject = KindObject<CommonSpec & { [k: string]: unknown }, ObjectStatus>;

/** What a kind-specific reconciler gets: the world, through ports. `Status` is the kind's status type. */
export interface ReconcileContext<Status = ObjectStatus> {
  client: KubeClient;
  log: Logger;
  events: EventRecorder;
  now: () => Date;
  /**
   * Publishes an intermediate status (e.g. "building manifests for revision X"), merged into the object's
   * status. Writes within a second of the previous one are folded into the next write, so fast
   * reconciles cost one status write instead of one per stage; `persist` writes at once (e.g. an
   * inventory that must survive a crash).
   */
  progress(message: string, status?: Partial<Status>, opts?: { persist?: boolean }): Promise<void>;
  /** The current status as this reconcile has written it so far. */
  status(): Status;
  /**
   * Reads an object in the agent's namespace: Flux objects the agent watches come from its caches (no
   * request), anything else from the API server.
   */
  read(key: { apiVersion: string; kind: string; namespace?: string; name: string }): Promise<KubeObject | undefined>;
  /**
   * The cached copy of a Flux object in the agent's namespace, without a request: undefined when the
   * agent's caches do not hold it (absent, or a kind it does not watch).
   */
  cached?(key: { apiVersion: string; kind: string; name: string }): KubeObject | undefined;
}

export interface ReconcileSuccess<Status = ObjectStatus> {
  /** Ready=True with this reason and message. */
  reason: string;
  message: string;
  /** Status fields the kind sets (artifact, inventory, ...); merged over the current status. */
  status?: Partial<Status>;
  /** Extra conditions to set (e.g. ArtifactInStorage) and negative ones to clear. */
  conditions?: Array<Omit<Condition, "lastTransitionTime">>;
  clearConditions?: string[];
  /** Overrides the interval-based requeue. */
  requeueAfterMs?: number;
}

/**
 * A kind's reconciler, typed by the kind's spec and status (from agent/api). The controller holds any
 * kind's reconciler as the default `Reconciler`: the kinds' methods are declared as methods, whose
 * parameters TypeScript compares both ways, so a `Reconciler<GitRepositorySpec, GitRepositoryStatus>`
 * is a `Reconciler` without a cast.
 */
export interface Reconciler<Spec = CommonSpec & { [k: string]: unknown }, Status = ObjectStatus> {
  apiVersion: string;
  kind: string;
  /** reportingController for events, e.g. "source-controller". */
  controllerName: string;
  reconcile(obj: KindObject<Spec, Status>, ctx: ReconcileContext<Status>): Promise<ReconcileSuccess<Status>>;
  /**
   * On failure, status fields or conditions the kind sets anyway (e.g. FetchFailed=True). A conditions
   * list alone is accepted as it is, so code generic over the status type (the source skeleton) can
   * return one without knowing the kind's other fields.
   */
  onFailure?(obj: KindObject<Spec, Status>, err: unknown, ctx: ReconcileContext<Status>): Partial<Status> | { conditions: Condition[] } | void;
  /** Runs once when the controller starts, with the agent's client and the controller's lifetime. */
  start?(o: { client: KubeClient; namespace: string; signal: AbortSignal; log: Logger }): Promise<void>;
  /** Cleanup when the object is deleted (artifacts, pruning); runs before the finalizer is removed. */
  finalize?(obj: KindObject<Spec, Status>, ctx: ReconcileContext<Status>): Promise<void>;
}
