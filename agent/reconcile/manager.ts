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

/** What the manager passes on to each of its controllers (it supplies their cache lookups itself). */
export type ManagerOptions = Pick<ControllerOptions, "client" | "namespace" | "log" | "events" | "metrics" | "labelSelector" | "concurrency" | "gate">;

export class Manager {
  readonly controllers: Controller[];
  readonly #o: ManagerOptions;

  constructor(reconcilers: Reconciler[], o: ManagerOptions) {
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
        }),
    );
    for (const c of this.controllers) {
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
    const out: string[] = [];
    for (const c of this.controllers) {
      for (const o of c.cache.values()) {
        const spec = (o.spec ?? {}) as { sourceRef?: { kind?: string; name?: string; namespace?: string }; include?: Array<{ repository?: { name?: string } }> };
        const sr = spec.sourceRef;
        const viaRef = sr?.kind === kind && sr.name === name && (!sr.namespace || sr.namespace === o.metadata.namespace);
        const viaInclude = kind === "GitRepository" && spec.include?.some((i) => i.repository?.name === name);
        // An automation may write any of its namespace's policies (the markers say which), as Flux maps them.
        const viaPolicy = kind === "ImagePolicy" && o.kind === "ImageUpdateAutomation";
        if (viaRef || viaInclude || viaPolicy || usesChart(o, kind, name) || usesImageRepository(o, kind, name)) out.push(`${c.kind}/${o.metadata.name}`);
      }
    }
    return out;
  }

  /**
   * Objects ("Kind/name") whose spec.dependsOn names kind/name in this namespace: of the same kind, and
   * HelmReleases whatever the kind (a HelmRelease may wait for a Kustomization).
   */
  dependentsOf(kind: string, name: string): string[] {
    const out: string[] = [];
    for (const c of this.controllers) {
      if (c.kind !== kind && c.kind !== "HelmRelease") continue;
      for (const o of c.cache.values()) {
        const deps = (o.spec as { dependsOn?: Array<{ name?: string; namespace?: string }> } | undefined)?.dependsOn;
        if (deps?.some((d) => d.name === name && (!d.namespace || d.namespace === o.metadata.namespace))) out.push(`${c.kind}/${o.metadata.name}`);
      }
    }
    return out;
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
    const out: string[] = [];
    for (const c of this.controllers) {
      for (const o of c.cache.values()) if (secretNames(o).includes(name)) out.push(`${c.kind}/${o.metadata.name}`);
    }
    return out;
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
        for (const s of items) {
          const name = s.metadata.name!;
          if (synced && versions.get(name) !== s.metadata.resourceVersion) this.enqueue(this.usersOfSecret(name));
          versions.set(name, s.metadata.resourceVersion ?? "");
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

/** Every Secret name an object's spec refers to, in the places Flux's kinds have them (none without a spec). */
export function secretNames(o: Omit<FluxObject, "spec"> & { spec?: FluxObject["spec"] }): string[] {
  const spec = (o.spec ?? {}) as {
    secretRef?: { name?: string };
    certSecretRef?: { name?: string };
    proxySecretRef?: { name?: string };
    verify?: { secretRef?: { name?: string }; trustedRootSecretRef?: { name?: string } };
    decryption?: { secretRef?: { name?: string } };
    postBuild?: { substituteFrom?: Array<{ kind?: string; name?: string }> };
  };
  const names = [
    spec.secretRef?.name,
    spec.certSecretRef?.name,
    spec.proxySecretRef?.name,
    spec.verify?.secretRef?.name,
    spec.verify?.trustedRootSecretRef?.name,
    spec.decryption?.secretRef?.name,
    ...(spec.postBuild?.substituteFrom ?? []).filter((s) => s.kind === "Secret").map((s) => s.name),
  ];
  return names.filter((n): n is string => Boolean(n));
}

/** A HelmRelease's chart source: spec.chartRef, or the HelmChart `<namespace>-<name>` made from spec.chart. */
function usesChart(o: FluxObject, kind: string, name: string): boolean {
  if (o.kind !== "HelmRelease") return false;
  const spec = o.spec as { chart?: unknown; chartRef?: { kind?: string; name?: string } };
  if (spec.chartRef) return spec.chartRef.kind === kind && spec.chartRef.name === name;
  return !!spec.chart && kind === "HelmChart" && name === `${o.metadata.namespace}-${o.metadata.name}`;
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

/** An ImagePolicy uses the tags of the ImageRepository its spec.imageRepositoryRef names (same namespace). */
function usesImageRepository(o: FluxObject, kind: string, name: string): boolean {
  if (o.kind !== "ImagePolicy" || kind !== "ImageRepository") return false;
  const ref = (o.spec as { imageRepositoryRef?: { name?: string; namespace?: string } }).imageRepositoryRef;
  return ref?.name === name && (!ref.namespace || ref.namespace === o.metadata.namespace);
}
