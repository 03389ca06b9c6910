/**
 * A HelmChart's chart from an OCI HelmRepository (`type: oci`), as source-controller's OCI chart
 * repository serves its remote builder: `<repository url>/<chart>` resolved to a tag (spec.version, a
 * version or a range, `_` read as `+`) and its manifest digest; then, when spec.verify asks, the digest's
 * cosign signature checked before anything is pulled (a chart that fails is never downloaded or stored:
 * SourceVerified=False); then the chart layer pulled. Credentials come from the HelmRepository's secretRef
 * (a `.dockerconfigjson`, or `username`/`password`), TLS from its certSecretRef, plain HTTP from insecure.
 */
import { TerminalError, TransientError } from "../core/errors.ts";
import { formatRef } from "../core/ref.ts";
import type { HelmChartSpec, HelmChartStatus } from "../api/helm-chart.ts";
import type { HelmRepositorySpec, HelmRepositoryStatus } from "../api/helm-repository.ts";
import { pullResolvedChart, resolveHelmChart, type ResolvedHelmChart } from "../source/oci/pull-helm-chart.ts";
import { parseOciReference } from "../source/oci/oci-reference.ts";
import { credentialsFromDockerConfig, type RegistryCredentials } from "../source/oci/registry-auth.ts";
import type { TlsOptions } from "../core/fetch.ts";
import type { KeylessVerifier } from "../verify/keyless.ts";
import { verifyOciArtifact } from "../verify/verify-oci-artifact.ts";
import type { KindObject, ReconcileContext } from "./reconciler.ts";
import { readSourceSecret, tlsFromSecret } from "./source-secrets.ts";
import type { SourceDeps, SourceVerification } from "./source-reconciler.ts";

type Repo = KindObject<HelmRepositorySpec, HelmRepositoryStatus>;

/** What spec.verify checks: the resolved manifest and the chart version it carries. */
export interface OciChartSubject {
  resolved: ResolvedHelmChart;
  version: string;
}

export interface ResolvedOciChart {
  name: string;
  version: string;
  subject: OciChartSubject;
  download(): Promise<Uint8Array>;
}

/** The chart's tag and digest in the registry: nothing but a tag list and a HEAD is requested. */
export async function resolveOciChart(repo: Repo, spec: HelmChartSpec, ctx: ReconcileContext<HelmChartStatus>, deps: SourceDeps, ref: string): Promise<ResolvedOciChart> {
  const base = repo.spec.url.replace(/\/+$/, "");
  if (!base.startsWith("oci://")) throw new TerminalError("URLInvalid", `${ref}: invalid OCI registry URL: ${repo.spec.url}`);
  const { credentials, tls } = await ociCredentials(repo, ctx, base);
  let resolved: ResolvedHelmChart;
  try {
    resolved = await resolveHelmChart({
      url: `${base}/${spec.chart}`,
      version: spec.version === "*" ? "" : spec.version,
      fetch: deps.fetchFor(tls),
      credentials,
      insecure: repo.spec.insecure,
      sha256: deps.sha256,
    });
  } catch (err) {
    const message = (err as Error).message;
    if (/401|403|unauthorized|denied|authentication/i.test(message)) {
      throw new TransientError("AuthenticationFailed", `${ref}: failed to authenticate with the Helm repository: ${message}`, { cause: err });
    }
    throw new TerminalError("InvalidChartReference", `${ref}: invalid chart reference: failed to get chart version for remote reference: ${message}`, { cause: err });
  }
  const version = (resolved.tag ?? "").replaceAll("_", "+");
  return {
    name: spec.chart,
    version,
    subject: { resolved, version },
    async download() {
      try {
        return (await pullResolvedChart(resolved, { warn: (m) => ctx.log.info(`${ref}: ${m}`) })).chart.bytes;
      } catch (err) {
        throw new TransientError("ChartPullError", `${ref}: chart pull error: failed to download chart for remote reference: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}

/** Registry credentials and TLS from an OCI HelmRepository's secrets. */
export async function ociCredentials(repo: Repo, ctx: Pick<ReconcileContext<HelmChartStatus>, "client">, url: string): Promise<{ credentials?: RegistryCredentials; tls: TlsOptions }> {
  const tls = repo.spec.certSecretRef ? tlsFromSecret(await readSourceSecret(ctx, repo, repo.spec.certSecretRef.name)) : {};
  let credentials: RegistryCredentials | undefined;
  if (repo.spec.secretRef) {
    const secret = await readSourceSecret(ctx, repo, repo.spec.secretRef.name);
    const config = secret[".dockerconfigjson"];
    if (config !== undefined) {
      credentials = credentialsFromDockerConfig(config, parseOciReference(url).host);
    } else if (secret.username !== undefined && secret.password !== undefined) {
      credentials = { username: secret.username, password: secret.password };
    } else {
      throw new TransientError("AuthenticationFailed", `${formatRef(repo)}: invalid credentials in Secret '${repo.metadata.namespace}/${repo.spec.secretRef.name}': it must hold '.dockerconfigjson' or both 'username' and 'password'`);
    }
  }
  return { credentials, tls };
}

/** spec.verify for OCI charts: cosign keys (`*.pub` of secretRef) or keyless with matchOIDCIdentity. */
export function ociChartVerification(deps: { keyless?(trustedRootJson?: string): KeylessVerifier }): SourceVerification<HelmChartSpec, HelmChartStatus, OciChartSubject> {
  return {
    asked: (spec) => spec.sourceRef.kind === "HelmRepository" && spec.verify?.provider !== undefined,
    async build(obj, ctx) {
      const verify = obj.spec.verify!;
      const secret = verify.secretRef ? await readSourceSecret(ctx, obj, verify.secretRef.name) : {};
      const keys = Object.entries(secret).filter(([k]) => k.endsWith(".pub")).map(([name, pem]) => ({ name, pem }));
      const keyless = keys.length ? undefined : deps.keyless?.();
      return async ({ resolved, version }) => {
        const v = await verifyOciArtifact({ client: resolved.client, digest: resolved.digest, provider: verify.provider, keys, identities: verify.matchOIDCIdentity, keyless });
        return v.verified ? { verified: true, message: `verified signature of version ${version}` } : v;
      };
    },
    failed: (v, revision, ref) => `${ref}: chart verification error: failed to verify the signature of version ${revision}: ${v.reason}: ${v.message}`,
  };
}
