/**
 * The KubeClient port: everything rivulet asks of the Kubernetes API, kept small so stages can be unit
 * tested with plain data and the transport can change (DESIGN.md: client-node is pinned at 1.4.0 and
 * reached only through agent/runtime/kube-transport.ts).
 */
import type { KindRef, KubeObject, ListResult, ObjectKey, ResourceInfo, WatchEvent } from "./types.ts";

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; pages are followed until the list is complete. */
  limit?: number;
}

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Server-side stream lifetime; the stream then ends normally and callers re-watch. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
  dryRun?: boolean;
  /** "status" applies to the status subresource. */
  subresource?: "status";
}

export interface DeleteOptions {
  propagationPolicy?: "Foreground" | "Background" | "Orphan";
  dryRun?: boolean;
}

export interface KubeClient {
  /** The object, or undefined when it does not exist. */
  get(key: ObjectKey): Promise<KubeObject | undefined>;
  list(ref: KindRef, opts?: ListOptions): Promise<ListResult>;
  /**
   * One watch stream from a resourceVersion. It ends when the server closes it; a 410 Gone surfaces as a
   * KubeApiError with code 410. Reconnecting and relisting is watch-loop.ts's job.
   */
  watch(ref: KindRef, opts?: WatchOptions): AsyncIterable<WatchEvent>;
  /** Server-side apply (application/apply-patch+yaml). Returns the object as the server has it. */
  apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject>;
  /**
   * A JSON patch (RFC 6902) or JSON merge patch (RFC 7386): for the few edits SSA cannot express, such
   * as removing one finalizer another manager added. Returns the patched object.
   */
  patch(key: ObjectKey, patch: unknown, type: "json" | "merge", opts?: { subresource?: "status" }): Promise<KubeObject>;
  /** True when something was deleted, false when it was already gone. */
  delete(key: ObjectKey, opts?: DeleteOptions): Promise<boolean>;
  /** Discovery: the REST resource for a kind; refreshes when a kind is unknown (new CRDs). */
  resource(apiVersion: string, kind: string): Promise<ResourceInfo>;
  /** A client acting as another identity (e.g. system:serviceaccount:NS:NAME). */
  impersonate(user: string, groups?: string[]): KubeClient;
  /** Raw request for the few calls the port does not name (SelfSubjectAccessReview, version). */
  raw(method: string, path: string, body?: unknown): Promise<unknown>;
}
