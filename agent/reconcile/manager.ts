/**
 * Runs one Controller per served kind in the agent's namespace and wires them together: when a
 * source's artifact changes, the objects that use it are enqueued at once (not at their next interval).
 */
import type { ControllerMetrics } from "./controller-metrics.ts";
import { Controller, type ControllerOptions } from "./controller.ts";
import type { FluxObject, Reconciler } from "./reconciler.ts";
import { watchLoop } from "../kube/watch-loop.ts";
import { messageOf } from "../core/errors.ts";
import { splitApiVersion } from "../core/ref.ts";
import { ReferenceIndex } from "./reference-index.ts";

export { secretNames } from "./reference-index.ts";

/** What the manager passes on to each of its controllers (it supplies their cache lookups itself). */
export type ManagerOptions = Pick<ControllerOptions, "client" | "namespace" | "log" | "events" | "metrics" | "labelSelector" | "concurrency" | "gate">;

export class Manager {
  readonly controllers: Controller[];
  readonly #o: ManagerOptions;
  readonly #refs = new ReferenceIndex();

  /**
   * `previous`: the manager of this agent's last leadership term, when nobody else led since; each
   * controller starts from its cache (see ControllerOptions.seed) instead of reconciling everything.
   */
  constructor(reconcilers: Reconciler[], o: ManagerOptions, previous?: Manager) {
    this.#o = o;
    this.controllers = reconcilers.map(
      (r) =>
        new Controller(r, {
          client: o.client,
          namespace: o.namespace,
          log: o.log.with({ controller: r.kind.toLowerCase() }),
          events: o.events,
          metrics: o.metrics,
          labelSelector: o.labelSelector,
          concurrency: o.concurrency,
          gate: o.gate,
          lookup: (apiVersion, kind, name) => this.cached(apiVersion, kind, name),
          seed: previous?.controller(r.kind)?.cache,
        }),
    );
    for (const c of this.controllers) {
      for (const [name, obj] of c.cache) this.#refs.update(c.kind, name, obj);
      c.onCacheChange = (name, obj) => this.#refs.update(c.kind, name, obj);
      c.onArtifactChanged = (obj) => this.enqueue([...this.usersOf(obj.kind, obj.metadata.name!), ...pushedSource(obj)]);
      c.onReady = (obj) => {
        this.enqueue(this.dependentsOf(obj.kind, obj.metadata.name!));
        // A HelmRelease waits for its HelmChart's new generation, which may keep the same artifact.
        if (obj.kind === "HelmChart") this.enqueue(this.usersOf(obj.kind, obj.metadata.name!));
      };
    }
  }

  /** A Flux object from the cache of the controller that watches its kind, when the API group matches. */
  cached(apiVersion: string, kind: string, name: string): FluxObject | undefined {
    const c = this.controller(kind);
    if (!c || splitApiVersion(c.reconciler.apiVersion).group !== splitApiVersion(apiVersion).group) return undefined;
    return c.cache.get(name);
  }

  controller(kind: string): Controller | undefined {
    return this.controllers.find((c) => c.kind === kind);
  }

  /**
   * Objects ("Kind/name") that consume the artifact of kind/name: Kustomizations through
   * spec.sourceRef, GitRepositories through spec.include, ImagePolicies through spec.imageRepositoryRef
   * (an ImageRepository's tag file is its artifact), ImageUpdateAutomations through any ImagePolicy's
   * latest image. Only the agent's own namespace is ever
   * looked at: cross-namespace references are refused elsewhere.
   */
  usersOf(kind: string, name: string): string[] {
    return this.#refs.usersOf(kind, name);
  }

  /**
   * Objects ("Kind/name") whose spec.dependsOn names kind/name in this namespace: of the same kind, and
   * HelmReleases whatever the kind (a HelmRelease may wait for a Kustomization).
   */
  dependentsOf(kind: string, name: string): string[] {
    return this.#refs.dependentsOf(kind, name);
  }

  /** Enqueues objects named "Kind/name". */
  enqueue(keys: string[]): void {
    for (const k of keys) {
      const slash = k.indexOf("/");
      this.controller(k.slice(0, slash))?.enqueue(k.slice(slash + 1));
    }
  }

  /** Refreshes the queue-depth gauge (called before /metrics renders); a multi-tenant host adds the namespace. */
  updateMetrics(metrics: ControllerMetrics, labels: Record<string, string> = {}): void {
    for (const c of this.controllers) metrics.queueDepth.set({ kind: c.kind, ...labels }, c.queueDepth);
  }

  /** Objects ("Kind/name") whose spec names the Secret: credentials, TLS, verification keys, substitutions. */
  usersOfSecret(name: string): string[] {
    return this.#refs.usersOfSecret(name);
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([...this.controllers.map((c) => c.run(signal)), this.#watchSecrets(signal)]);
  }

  /**
   * A changed Secret (rotated credentials, a new verification key) is acted on at once by the objects
   * that reference it, not at their next interval. Only versions are compared; Secret data is not kept.
   */
  async #watchSecrets(signal: AbortSignal): Promise<void> {
    const versions = new Map<string, string>();
    let synced = false;
    await watchLoop(this.#o.client, { apiVersion: "v1", kind: "Secret", namespace: this.#o.namespace }, {
      signal,
      labelSelector: undefined,
      onSync: (items) => {
        const listed = new Set<string>();
        for (const s of items) {
          const name = s.metadata.name!;
          listed.add(name);
          if (synced && versions.get(name) !== s.metadata.resourceVersion) this.enqueue(this.usersOfSecret(name));
          versions.set(name, s.metadata.resourceVersion ?? "");
        }
        // A relist (after 410 Gone) also stands for the deletions missed meanwhile.
        for (const name of [...versions.keys()]) {
          if (listed.has(name)) continue;
          versions.delete(name);
          if (synced) this.enqueue(this.usersOfSecret(name));
        }
        synced = true;
      },
      onEvent: (ev) => {
        const name = ev.object.metadata.name!;
        if (ev.type === "DELETED") versions.delete(name);
        else versions.set(name, ev.object.metadata.resourceVersion ?? "");
        this.enqueue(this.usersOfSecret(name));
      },
      onError: (err) => this.#o.log.debug("watch of Secrets failed, retrying", { error: messageOf(err) }),
    });
  }
}

/**
 * The GitRepository an ImageUpdateAutomation just pushed to (same namespace only): fetched at once, so the
 * new commit reaches the cluster without waiting for the GitRepository's interval or a webhook.
 */
function pushedSource(o: FluxObject): string[] {
  if (o.kind !== "ImageUpdateAutomation") return [];
  const ref = (o.spec as { sourceRef?: { name?: string; namespace?: string } }).sourceRef;
  return ref?.name && (!ref.namespace || ref.namespace === o.metadata.namespace) ? [`GitRepository/${ref.name}`] : [];
}
