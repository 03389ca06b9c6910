/**
 * HelmRepository (source.toolkit.fluxcd.io/v1) on the source skeleton.
 *
 * `type: default`: download `<url>/index.yaml` (basic auth from secretRef's username/password, or a bearer
 * token from its `bearerToken`; TLS from
 * certSecretRef, or, deprecated, from secretRef's TLS keys), and take the sha256 of the downloaded bytes
 * as the revision, as source-controller does: an index that did not change is not parsed or stored again.
 * A new index is parsed and normalised by helm/repository-index.ts and stored as JSON in
 * `index-<hex>.yaml`, also served as `index.yaml` (status.url), as Flux's symlink does. `passCredentials`
 * is read by the HelmChart that downloads charts, not here.
 *
 * `type: oci`: Flux (since 2.2) keeps no artifact for these; HelmCharts pull from the registry. Flux makes
 * the object static (no status at all); rivulet's controller always reports Ready, so it says Ready with
 * the message Flux's OCI reconciler wrote ("Helm repository is ready") and removes any stored index left
 * from an earlier `type: default`.
 */
import { TerminalError, TransientError } from "../core/errors.ts";
import { parseDuration } from "../core/duration.ts";
import { formatRef } from "../core/ref.ts";
import type { TlsOptions } from "../core/fetch.ts";
import { helmRepositoryKind, type HelmRepositorySpec, type HelmRepositoryStatus } from "../api/helm-repository.ts";
import { digestOf } from "../artifact/digest.ts";
import { fetchHelmIndex, HelmIndexFetchError, type RepositoryAuth } from "../source/helm/fetch-helm-index.ts";
import { indexJson, parseRepositoryIndex } from "../helm/repository-index.ts";
import type { KindObject, ReconcileContext, Reconciler } from "./reconciler.ts";
import { readSourceSecret, tlsFromSecret } from "./source-secrets.ts";
import { sourceReconciler, type SourceDeps } from "./source-reconciler.ts";

/** The file name the newest index is also served under, as Flux's symlink. */
export const INDEX_ALIAS = "index.yaml";
export const OCI_READY_MESSAGE = "Helm repository is ready";

type Obj = KindObject<HelmRepositorySpec, HelmRepositoryStatus>;
type Ctx = ReconcileContext<HelmRepositoryStatus>;

export function helmRepositoryReconciler(deps: SourceDeps): Reconciler<HelmRepositorySpec, HelmRepositoryStatus> {
  const indexSource = sourceReconciler<HelmRepositorySpec, HelmRepositoryStatus>(
    {
      definition: helmRepositoryKind,
      fetching: (spec) => `fetching index of ${spec.url}`,
      // The revision is the digest of what the repository serves; nothing in the spec reshapes it.
      contentKey: () => ({}),
      status: (_spec, artifact) => ({ artifact, url: artifact.url.replace(/[^/]+$/, INDEX_ALIAS) }),
      upToDate: (revision) => `artifact up-to-date with remote revision: '${revision}'`,
      alias: INDEX_ALIAS,

      async fetch({ obj, ctx, ref, lastRevision }) {
        const spec = obj.spec;
        checkUrl(spec.url, ref);
        const { auth, tls } = await helmRepositoryCredentials(obj, ctx);
        let fetched: { url: string; bytes: Uint8Array };
        try {
          fetched = await fetchHelmIndex({
            url: spec.url,
            fetch: deps.fetchFor(tls),
            auth,
            timeoutMs: spec.timeout ? parseDuration(spec.timeout) : undefined,
          });
        } catch (err) {
          if (!(err instanceof HelmIndexFetchError)) throw err;
          throw new TransientError("Failed", `${ref}: failed to fetch Helm repository index: ${err.message}`, { cause: err });
        }
        const revision = await digestOf(fetched.bytes, deps.sha256);
        if (revision === lastRevision) return { unchanged: true, revision };
        let json: string;
        try {
          json = indexJson(parseRepositoryIndex(fetched.bytes, fetched.url));
        } catch (err) {
          throw new TransientError("IndexationFailed", `${ref}: failed to load Helm repository from index YAML: ${(err as Error).message}`, { cause: err });
        }
        const bytes = new TextEncoder().encode(json);
        return {
          unchanged: false,
          revision,
          file: `index-${revision.slice("sha256:".length)}.yaml`,
          content: { bytes },
          message: `stored fetched index of size ${humanSize(bytes.byteLength)} from '${spec.url}'`,
        };
      },
    },
    deps,
  );

  return {
    ...indexSource,
    async reconcile(obj, ctx) {
      if (obj.spec.type !== "oci") return indexSource.reconcile(obj, ctx);
      // An index stored while the object was `type: default` is dropped, as Flux's migration does.
      if (ctx.status().artifact) await deps.store.removeAll({ kind: helmRepositoryKind.kind, namespace: obj.metadata.namespace!, name: obj.metadata.name! });
      return {
        reason: "Succeeded",
        message: OCI_READY_MESSAGE,
        status: { artifact: undefined, url: undefined },
        clearConditions: ["ArtifactInStorage", "FetchFailed", "ArtifactOutdated", "StorageOperationFailed"],
      };
    },
  };
}

function checkUrl(url: string, ref: string): void {
  if (url.startsWith("oci://")) {
    throw new TerminalError("URLInvalid", `${ref}: invalid Helm repository URL: 'oci' URL scheme cannot be used with 'default' HelmRepository type`);
  }
  try {
    new URL(url);
  } catch (err) {
    throw new TerminalError("URLInvalid", `${ref}: invalid Helm repository URL: ${url}`, { cause: err });
  }
}

/**
 * Basic auth or a bearer token from secretRef; TLS from certSecretRef, else (deprecated, as Flux still
 * honours it) from the TLS keys of secretRef. A Secret missing, holding half a username/password pair, or
 * holding a bearerToken beside a username or password is AuthenticationFailed.
 *
 * Beyond Flux 2.9: source-controller reads only username/password for a HelmRepository (Helm's getter
 * has no bearer option), so a `bearerToken` there is ignored and the index request goes out anonymous.
 * rivulet sends it as `Authorization: Bearer`, with the rule Flux's Git client applies to the same key:
 * never together with basic auth.
 */
export async function helmRepositoryCredentials(obj: Obj, ctx: Pick<Ctx, "client" | "log">): Promise<{ auth?: RepositoryAuth; tls: TlsOptions }> {
  const spec = obj.spec;
  let tls: TlsOptions = spec.certSecretRef ? tlsFromSecret(await readSourceSecret(ctx, obj, spec.certSecretRef.name)) : {};
  if (!spec.secretRef) return { tls };
  const secret = await readSourceSecret(ctx, obj, spec.secretRef.name);
  const { username, password, bearerToken } = secret;
  const invalid = (what: string, why: string) =>
    new TransientError("AuthenticationFailed", `${formatRef(obj)}: invalid ${what} in Secret '${obj.metadata.namespace}/${spec.secretRef!.name}': ${why}`);
  if ((username === undefined) !== (password === undefined)) throw invalid("basic auth", "it must hold both 'username' and 'password'");
  if (bearerToken !== undefined && username !== undefined) throw invalid("auth", "basic auth and bearer token cannot be set at the same time");
  if (!spec.certSecretRef) {
    const legacy = { ca: secret["ca.crt"] ?? secret.caFile, cert: secret["tls.crt"] ?? secret.certFile, key: secret["tls.key"] ?? secret.keyFile };
    if (legacy.ca !== undefined || legacy.cert !== undefined) {
      ctx.log.info(`${formatRef(obj)}: warning: specifying TLS authentication data via \`.spec.secretRef\` is deprecated, please use \`.spec.certSecretRef\` instead`);
      tls = legacy;
    }
  }
  const auth = bearerToken !== undefined ? { bearerToken } : username !== undefined ? { username, password: password! } : undefined;
  return { auth, tls };
}

/** Sizes as Flux's events print them (go-units HumanSize: decimal units, four significant digits). */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  return `${Number(size.toPrecision(4))}${units[i]}`;
}
