/**
 * The live cache: one list+watch per kind in the tenant's namespace (watch-loop.ts), keeping a slim copy
 * of each object (slim-object.ts), plus what rivulet recorded when it last applied each object. With it the
 * reconciler decides, without a request, which objects need a dry-run (needs-apply.ts).
 *
 * Limits: namespaced kinds only (a tenant may not watch cluster-scoped kinds; their entries stay
 * unsynced, so the decision is "unknown" and the reconciler dry-runs them). Records live in memory: after a
 * restart the first reconcile compares desired objects with the owned projections instead. resourceVersions
 * are compared as integers when both are numeric (etcd's), so an old watch event that arrives after our own
 * apply cannot overwrite the newer copy recorded from the apply response.
 */
import { olderVersion } from "../kube/resource-version.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KindRef, KubeObject } from "../kube/types.ts";
import { watchLoop } from "../kube/watch-loop.ts";
import { splitApiVersion } from "../core/ref.ts";
import { canonicalText } from "./canonical.ts";
import { removeIgnored } from "./drift-ignore.ts";
import type { PointerTrie } from "./fields-v1.ts";
import { ignoreKey, needsApply as defaultNeedsApply, type AppliedRecord, type CacheEntry, type Decision, type NeedsApply } from "./needs-apply.ts";
import { ObjectHasher } from "./object-hash.ts";
import { slimBytes, slimObject, type SlimObject } from "./slim-object.ts";

export const DEFAULTS = {
  /** Flux's field manager, so rivulet and kustomize-controller can take over from each other. */
  fieldManager: "kustomize-controller",
};

export interface LiveCacheOptions {
  fieldManager?: string;
  needsApply?: NeedsApply;
  onError?: (kind: string, err: unknown) => void;
  /** Passed to each kind's watch loop (tests shorten it). */
  watchTimeoutSeconds?: number;
}

/** Names one object across API versions of its kind. */
export interface ObjectRefKey {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

const keyOf = (r: ObjectRefKey) => `${splitApiVersion(r.apiVersion).group}|${r.kind}|${r.namespace ?? ""}|${r.name}`;
const kindKey = (apiVersion: string, kind: string) => `${splitApiVersion(apiVersion).group}|${kind}`;
const refOfObject = (o: KubeObject): ObjectRefKey => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name ?? "", namespace: o.metadata.namespace });


export class LiveCache {
  readonly fieldManager: string;
  #hasher: ObjectHasher | undefined;
  #decide: NeedsApply;
  #onError: LiveCacheOptions["onError"];
  #watchTimeout: number | undefined;
  #objects = new Map<string, SlimObject>();
  #records = new Map<string, AppliedRecord>();
  #synced = new Set<string>();
  #watching = new Map<string, Promise<void>>();
  /** Every kind asked for, so a new term watches them again. */
  #kinds = new Map<string, KindRef>();
  #client: KubeClient | undefined;
  #namespace = "";
  #signal: AbortSignal | undefined;

  constructor(opts: LiveCacheOptions = {}) {
    this.fieldManager = opts.fieldManager ?? DEFAULTS.fieldManager;
    this.#decide = opts.needsApply ?? defaultNeedsApply;
    this.#onError = opts.onError;
    this.#watchTimeout = opts.watchTimeoutSeconds;
  }

  /**
   * Starts watching `kinds` in `namespace`; resolves once each namespaced kind has listed. Started again
   * with another signal (a new leadership term: the last term's watches stopped with its signal), it
   * watches again every kind watched before, and until each has listed anew its copies count as unsynced
   * (a reader asks the server, a decision dry-runs): nothing is judged from a copy no watch feeds. The
   * records of what was applied stay; they are only ever compared with live copies.
   */
  async start(client: KubeClient, namespace: string, kinds: KindRef[], signal: AbortSignal): Promise<void> {
    const again = this.#signal !== undefined && this.#signal !== signal;
    const before = again ? [...this.#kinds.values()] : [];
    if (again) {
      this.#watching.clear();
      this.#synced.clear();
      if (namespace !== this.#namespace) this.#objects.clear();
    }
    this.#client = client;
    this.#namespace = namespace;
    this.#signal = signal;
    await this.init();
    await this.watchKinds([...before, ...kinds]);
  }

  /** Loads the hasher (WASM); start() calls it. Alone it lets record/decide run without watches. */
  async init(): Promise<void> {
    this.#hasher ??= await ObjectHasher.create();
  }

  /** Adds watches for kinds not watched yet (a new kind in an inventory); resolves when they have listed. */
  async watchKinds(kinds: KindRef[]): Promise<void> {
    const client = this.#client;
    const signal = this.#signal;
    if (!client || !signal) throw new Error("Cannot watch kinds: the live cache is not started");
    const waits: Promise<void>[] = [];
    for (const k of kinds) {
      const kk = kindKey(k.apiVersion, k.kind);
      let w = this.#watching.get(kk);
      if (!w) {
        this.#kinds.set(kk, { apiVersion: k.apiVersion, kind: k.kind });
        w = this.#watchKind(client, k, signal);
        this.#watching.set(kk, w);
      }
      waits.push(w);
    }
    await Promise.all(waits);
  }

  async #watchKind(client: KubeClient, k: KindRef, signal: AbortSignal): Promise<void> {
    const info = await client.resource(k.apiVersion, k.kind);
    if (!info.namespaced || signal.aborted) return;
    const kk = kindKey(k.apiVersion, k.kind);
    const ref: KindRef = { apiVersion: k.apiVersion, kind: k.kind, namespace: this.#namespace };
    let listed!: () => void;
    const firstList = new Promise<void>((r) => (listed = r));
    signal.addEventListener("abort", () => listed(), { once: true });
    void watchLoop(client, ref, {
      signal,
      watchTimeoutSeconds: this.#watchTimeout,
      // A stopped term's loop may still deliver what it read before it stopped: never after a newer term's list.
      onSync: (items) => {
        if (signal.aborted) return;
        for (const [key, o] of this.#objects) if (kindKey(o.apiVersion, o.kind) === kk) this.#objects.delete(key);
        for (const it of items) this.#put(it, true);
        this.#synced.add(kk);
        listed();
      },
      onEvent: (ev) => {
        if (signal.aborted) return;
        if (ev.type === "DELETED") this.#objects.delete(keyOf(refOfObject(ev.object)));
        else this.#put(ev.object, false);
      },
      onError: (err) => this.#onError?.(k.kind, err),
    });
    await firstList;
  }

  #put(obj: KubeObject, fromList: boolean): SlimObject {
    const key = keyOf(refOfObject(obj));
    const have = this.#objects.get(key);
    // A watch event older than the copy recorded from our own apply response is stale.
    if (!fromList && have && have.uid === obj.metadata.uid && olderVersion(obj.metadata.resourceVersion, have.resourceVersion)) return have;
    const slim = slimObject(obj, this.fieldManager, this.#hasher!);
    this.#objects.set(key, slim);
    return slim;
  }

  /** The slim live copy, or undefined when the object does not exist (or its kind is not listed yet). */
  get(ref: ObjectRefKey): SlimObject | undefined {
    return this.#objects.get(keyOf(ref));
  }

  /** The namespace watched: objects elsewhere are never in the cache. */
  get namespace(): string {
    return this.#namespace;
  }

  /**
   * An object as the server returned it after a write (an apply's answer): the live copy is updated at
   * once, before the watch reports it, unless the cache already holds a newer one. Nothing is recorded
   * as "last applied" (record() does that for drift decisions).
   */
  observe(live: KubeObject): void {
    const slim = slimObject(live, this.fieldManager, this.#hasherOrThrow());
    const key = keyOf(slim);
    const have = this.#objects.get(key);
    if (!have || have.uid !== slim.uid || olderVersion(have.resourceVersion, slim.resourceVersion)) this.#objects.set(key, slim);
  }

  /** True when the kind has listed, so `get` returning undefined means the object does not exist. */
  synced(apiVersion: string, kind: string): boolean {
    return this.#synced.has(kindKey(apiVersion, kind));
  }

  /** Hash of a desired object as it will be applied. */
  desiredHash(desired: KubeObject): string {
    return this.#hasherOrThrow().hashObject(desired);
  }

  /** Everything the decision needs about one desired object. */
  entry(desired: KubeObject, ignore?: PointerTrie): CacheEntry {
    const ref = refOfObject(desired);
    const live = this.#objects.get(keyOf(ref));
    const e: CacheEntry = {
      synced: this.synced(desired.apiVersion, desired.kind),
      desiredHash: this.desiredHash(desired),
    };
    if (live) e.live = live;
    const rec = this.#records.get(keyOf(ref));
    if (rec) e.record = rec;
    if (ignore) e.ignore = ignore;
    const lh = live && this.#liveHash(live, ignore);
    if (lh !== undefined) e.liveHash = lh;
    return e;
  }

  /**
   * Decides for one desired object (the swappable needs-apply function). A cold-start "no" seeds the
   * record, so the next reconcile takes the resourceVersion fast path.
   */
  decide(desired: KubeObject, ignore?: PointerTrie): Decision {
    const entry = this.entry(desired, ignore);
    const d = this.#decide(desired, entry);
    if (d === "no" && !entry.record && entry.live) this.#remember(entry.live, entry.desiredHash, ignore);
    return d;
  }

  /**
   * After an apply (or a dry-run that found nothing to change): `live` is the object the server returned,
   * `desired` what was sent. Updates the live copy and the record.
   */
  record(live: KubeObject, desired: KubeObject, ignore?: PointerTrie): void {
    const answer = slimObject(live, this.fieldManager, this.#hasherOrThrow());
    const key = keyOf(answer);
    const have = this.#objects.get(key);
    // Watch events can overtake our own apply response (a controller writes status at once): never
    // replace a newer live copy with the older answer, or the cache would hold stale health and drift.
    if (!have || have.uid !== answer.uid || !olderVersion(answer.resourceVersion, have.resourceVersion)) this.#objects.set(key, answer);
    this.#remember(answer, this.desiredHash(desired), ignore);
  }

  /**
   * What the cache knows of an object rivulet applied before (same uid as recorded): its identity,
   * resourceVersion and the labels and annotations the slim copy keeps, as a stand-in for reading it.
   * Undefined when it is not cached or was never applied by this agent (e.g. after a restart).
   */
  appliedCopy(ref: ObjectRefKey): KubeObject | undefined {
    const live = this.#objects.get(keyOf(ref));
    const rec = this.#records.get(keyOf(ref));
    if (!live || !rec || rec.uid !== live.uid || live.deleting) return undefined;
    return {
      apiVersion: ref.apiVersion,
      kind: live.kind,
      metadata: {
        name: live.name,
        ...(live.namespace ? { namespace: live.namespace } : {}),
        uid: live.uid,
        resourceVersion: live.resourceVersion,
        ...(live.labels ? { labels: live.labels } : {}),
        ...(live.annotations ? { annotations: live.annotations } : {}),
      },
    };
  }

  /** Forgets the record of an object (after pruning it). */
  forget(ref: ObjectRefKey): void {
    this.#records.delete(keyOf(ref));
  }

  #remember(live: SlimObject, desiredHash: string, ignore?: PointerTrie): void {
    this.#records.set(keyOf(live), {
      desiredHash,
      uid: live.uid,
      resourceVersion: live.resourceVersion,
      liveHash: this.#liveHash(live, ignore) ?? "",
      ignoreKey: ignoreKey(ignore),
    });
  }

  #liveHash(live: SlimObject, ignore?: PointerTrie): string | undefined {
    if (live.owned === undefined) return undefined;
    if (!ignore) return live.ownedHash;
    return this.#hasherOrThrow().hashText(canonicalText(removeIgnored(JSON.parse(live.owned), ignore)));
  }

  #hasherOrThrow(): ObjectHasher {
    if (!this.#hasher) throw new Error("Cannot hash objects: the live cache is not started");
    return this.#hasher;
  }

  /** Number of cached live objects. */
  get size(): number {
    return this.#objects.size;
  }

  /** Average estimated bytes per cached object (slim copy plus its record). */
  bytesPerObject(): number {
    if (this.#objects.size === 0) return 0;
    let total = 0;
    for (const o of this.#objects.values()) total += slimBytes(o);
    total += this.#records.size * 200;
    return Math.round(total / this.#objects.size);
  }
}
