/**
 * Helm's release storage on the API server, as Helm 3/4's "secret" driver keeps it (pkg/storage and
 * pkg/storage/driver/secrets.go; read, not copied), so `helm list`, `helm history`, `helm upgrade` and
 * helm-controller read rivulet's releases as their own and rivulet reads theirs:
 *
 * - one Secret per revision, `sh.helm.release.v1.<name>.v<N>`, type `helm.sh/release.v1`, in the storage
 *   namespace, `data.release` = base64(gzip(JSON)) (release-codec.ts) under the API's own base64;
 * - labels `name`, `owner=helm`, `status`, `version`, plus `createdAt` (unix seconds) on create and
 *   `modifiedAt` on update; the release's user labels sit beside them and are read back without the
 *   system ones;
 * - history by the selector `name=<n>,owner=helm`, the deployed revision by `...,status=deployed`;
 * - a create fails when the Secret exists (Helm's pessimistic lock against concurrent operations);
 * - maxHistory prunes the oldest revisions before a create, never the deployed one (Helm's
 *   removeLeastRecent).
 *
 * Limits: only the Secret driver (Helm's default and helm-controller's); a Secret that does not decode is
 * skipped when listing, as Helm skips it.
 */
import { base64Decode, base64Encode } from "../core/bytes.ts";
import { messageOf } from "../core/errors.ts";
import { isConflict } from "../kube/api-error.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { decodeRelease, encodeRelease, releaseSecretName, type Release } from "../helm/release-codec.ts";

export const SECRET_TYPE = "helm.sh/release.v1";
/** The labels Helm's storage owns; a release's own labels may not use them. */
export const SYSTEM_LABELS: readonly string[] = ["name", "owner", "status", "version", "createdAt", "modifiedAt"];
/** Helm's text when the latest revision is pending-install, pending-upgrade or pending-rollback. */
export const PENDING_MESSAGE = "another operation (install/upgrade/rollback) is in progress";

const VALID_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Helm's release name rule (DNS-1123 subdomain, at most 53 characters) with its error text. The store
 * checks it too: a name goes into label selectors, where a comma would select someone else's releases.
 */
export function validateReleaseName(name: string): void {
  if (name === "") throw new Error("no name provided");
  if (name.length > 53 || !VALID_NAME.test(name)) {
    throw new Error(`invalid release name, must match regex ${VALID_NAME.source} and the length must not be longer than 53`);
  }
}

/** A release revision as stored: the record Helm serializes and the user labels kept beside it. */
export interface StoredRelease {
  release: Release;
  /** User labels (Helm's `--labels`, Release.Labels): never one of SYSTEM_LABELS. */
  labels: Record<string, string>;
}

export interface ReleaseStore {
  readonly namespace: string;
  /** Every revision of the release, oldest first; [] when it has none. */
  history(name: string): Promise<StoredRelease[]>;
  get(name: string, version: number): Promise<StoredRelease | undefined>;
  /** The highest revision, whatever its status. */
  last(name: string): Promise<StoredRelease | undefined>;
  /** Every revision with status deployed, oldest first (more than one only after a crash). */
  deployedAll(name: string): Promise<StoredRelease[]>;
  /** The newest deployed revision. */
  deployed(name: string): Promise<StoredRelease | undefined>;
  /** Writes a new revision; with maxHistory > 0 first prunes to make room for it. */
  create(stored: StoredRelease, opts?: { maxHistory?: number }): Promise<void>;
  /** Rewrites an existing revision (status and description changes). */
  update(stored: StoredRelease): Promise<void>;
  /** True when a revision was deleted. */
  delete(name: string, version: number): Promise<boolean>;
}

export interface StoreOptions {
  /** The clock for createdAt/modifiedAt; tests pin it. */
  now?: () => Date;
  /** Who the Secrets' managedFields name: helm-controller's storage writes as "helm-controller". */
  fieldManager?: string;
}

/** The Secret Helm's driver writes for a revision; `stamp` is createdAt on create, modifiedAt on update. */
export function releaseSecret(stored: StoredRelease, namespace: string, stamp: { createdAt?: Date; modifiedAt?: Date }): KubeObject {
  const r = stored.release;
  const reserved = Object.keys(stored.labels).filter((k) => SYSTEM_LABELS.includes(k));
  if (reserved.length) {
    throw new Error(`user supplied labels contains system reserved label name. System labels: [${SYSTEM_LABELS.join(" ")}]`);
  }
  const labels: Record<string, string> = { ...stored.labels };
  if (stamp.createdAt) labels.createdAt = String(unixSeconds(stamp.createdAt));
  if (stamp.modifiedAt) labels.modifiedAt = String(unixSeconds(stamp.modifiedAt));
  labels.name = r.name;
  labels.owner = "helm";
  labels.status = r.info.status;
  labels.version = String(r.version);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: releaseSecretName(r.name, r.version), namespace, labels },
    type: SECRET_TYPE,
    data: { release: base64Encode(new TextEncoder().encode(encodeRelease(r))) },
  };
}

/** Reads a release Secret back: the record, and its labels without the system ones. */
export function readReleaseSecret(secret: KubeObject): StoredRelease {
  const data = (secret.data as Record<string, string> | undefined)?.release;
  if (typeof data !== "string") throw new Error(`Secret/${secret.metadata.namespace}/${secret.metadata.name} has no release data`);
  const release = decodeRelease(new TextDecoder().decode(base64Decode(data)));
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.metadata.labels ?? {})) if (!SYSTEM_LABELS.includes(k)) labels[k] = v;
  return { release, labels };
}

/**
 * The revisions Helm's removeLeastRecent deletes so that at most `maximum` remain: the oldest first,
 * skipping the deployed revision. `history` may be in any order.
 */
export function revisionsToPrune(history: readonly Release[], deployedVersion: number | undefined, maximum: number): number[] {
  if (maximum < 0 || history.length <= maximum) return [];
  const oldestFirst = [...history].sort((a, b) => a.version - b.version);
  const out: number[] = [];
  for (const r of oldestFirst) {
    if (oldestFirst.length - out.length === maximum) break;
    if (r.version !== deployedVersion) out.push(r.version);
  }
  return out;
}

/** Throws Helm's error when the latest revision is still pending (another operation is running). */
export function assertNotPending(last: Release | undefined): void {
  if (last && last.info.status.startsWith("pending-")) throw new Error(PENDING_MESSAGE);
}

/** The release store on Secrets in `namespace`, through the agent's client. */
export function secretReleaseStore(client: KubeClient, namespace: string, opts: StoreOptions = {}): ReleaseStore {
  const now = opts.now ?? (() => new Date());
  const secretKey = (name: string, version: number) => ({ apiVersion: "v1", kind: "Secret", namespace, name: releaseSecretName(name, version) });
  const collection = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const manager = `?fieldManager=${encodeURIComponent(opts.fieldManager ?? "helm-controller")}`;

  const query = async (name: string, extra = ""): Promise<StoredRelease[]> => {
    validateReleaseName(name);
    const selector = `name=${name},owner=helm${extra}`;
    const list = await client.list({ apiVersion: "v1", kind: "Secret", namespace }, { labelSelector: selector });
    const out: StoredRelease[] = [];
    for (const item of list.items) {
      try {
        out.push(readReleaseSecret(item));
      } catch {
        // Helm skips a record it cannot decode; so do we, rather than blocking every operation on it.
      }
    }
    return out.sort((a, b) => a.release.version - b.release.version);
  };

  const store: ReleaseStore = {
    namespace,
    history: (name) => query(name),
    async get(name, version) {
      const s = await client.get(secretKey(name, version));
      return s ? readReleaseSecret(s) : undefined;
    },
    async last(name) {
      return (await store.history(name)).at(-1);
    },
    deployedAll: (name) => query(name, ",status=deployed"),
    async deployed(name) {
      return (await store.deployedAll(name)).at(-1);
    },
    async create(stored, o = {}) {
      const { name, version } = stored.release;
      if (o.maxHistory && o.maxHistory > 0) {
        const history = await store.history(name);
        const deployed = history.filter((h) => h.release.info.status === "deployed").at(-1);
        for (const v of revisionsToPrune(history.map((h) => h.release), deployed?.release.version, o.maxHistory - 1)) {
          await store.delete(name, v);
        }
      }
      const secret = releaseSecret(stored, namespace, { createdAt: now() });
      try {
        await client.raw("POST", collection + manager, secret);
      } catch (err) {
        if (isConflict(err)) throw new Error(`Cannot store release ${name} revision ${version}: release: already exists`, { cause: err });
        throw new Error(`Cannot store release ${name} revision ${version}: ${messageOf(err)}`, { cause: err });
      }
    },
    async update(stored) {
      const { name, version } = stored.release;
      const secret = releaseSecret(stored, namespace, { modifiedAt: now() });
      try {
        await client.raw("PUT", `${collection}/${encodeURIComponent(secret.metadata.name!)}${manager}`, secret);
      } catch (err) {
        throw new Error(`Cannot update release ${name} revision ${version}: ${messageOf(err)}`, { cause: err });
      }
    },
    delete: (name, version) => client.delete(secretKey(name, version)),
  };
  return store;
}

function unixSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/**
 * One action's view of the store: the history is listed once and then kept, with this store's own
 * writes applied to it, so the several reads of one reconcile (next action, install/upgrade, maxHistory
 * pruning, the status it writes) cost one list instead of one each. Each such list reads every Secret
 * of the storage namespace on the API server (a label selector filters after the read), so with N
 * releases in a namespace the reads grow as N². Meant for the span of one reconcile, as Helm's actions
 * hold the release they read for theirs; a failed write forgets the name so the next read lists again.
 * Callers get copies of what they read, and only of that: an action changing a record it read does not
 * change the kept one, and a read of the latest revision does not copy the whole history.
 */
export function reconcileScopedStore(inner: ReleaseStore): ReleaseStore {
  const kept = new Map<string, Promise<StoredRelease[]>>();
  /** The kept history itself: read here, never handed out (writes replace the list, never change it). */
  const read = (name: string): Promise<StoredRelease[]> => {
    let h = kept.get(name);
    if (!h) {
      h = inner.history(name);
      kept.set(name, h);
      h.catch(() => (kept.get(name) === h ? kept.delete(name) : undefined));
    }
    return h;
  };
  // Only what a read hands out is copied, not the whole history on every read.
  const copy = (s: StoredRelease | undefined) => (s ? structuredClone(s) : undefined);
  const written = async (name: string, write: () => Promise<unknown>, change: (list: StoredRelease[]) => StoredRelease[]) => {
    const before = kept.get(name);
    try {
      await write();
    } catch (err) {
      kept.delete(name);
      throw err;
    }
    if (before && kept.get(name) === before) {
      const list = await before.catch(() => undefined);
      if (list) kept.set(name, Promise.resolve(change(list).sort((a, b) => a.release.version - b.release.version)));
      else kept.delete(name);
    }
  };
  const store: ReleaseStore = {
    namespace: inner.namespace,
    history: async (name) => structuredClone(await read(name)),
    async get(name, version) {
      // A revision the list skipped (it does not decode) is read on its own, to fail as the inner store does.
      return copy((await read(name)).find((s) => s.release.version === version)) ?? inner.get(name, version);
    },
    last: async (name) => copy((await read(name)).at(-1)),
    deployedAll: async (name) => structuredClone((await read(name)).filter((s) => s.release.info.status === "deployed")),
    deployed: async (name) => copy((await read(name)).filter((s) => s.release.info.status === "deployed").at(-1)),
    async create(stored, o = {}) {
      const { name, version } = stored.release;
      if (o.maxHistory && o.maxHistory > 0) {
        const history = await read(name);
        const deployed = history.filter((h) => h.release.info.status === "deployed").at(-1);
        for (const v of revisionsToPrune(history.map((h) => h.release), deployed?.release.version, o.maxHistory - 1)) await store.delete(name, v);
      }
      const copy = structuredClone(stored);
      await written(name, () => inner.create(stored), (list) => [...list.filter((s) => s.release.version !== version), copy]);
    },
    async update(stored) {
      const { name, version } = stored.release;
      const copy = structuredClone(stored);
      await written(name, () => inner.update(stored), (list) => list.map((s) => (s.release.version === version ? copy : s)));
    },
    async delete(name, version) {
      let deleted = false;
      await written(
        name,
        async () => (deleted = await inner.delete(name, version)),
        (list) => list.filter((s) => s.release.version !== version),
      );
      return deleted;
    },
  };
  return store;
}
