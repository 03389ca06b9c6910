/**
 * The registry client of an ImageRepository, shared by its scan and by an ImagePolicy's digest lookup:
 * spec.image read as Flux reads it (a bad one stalls with ImageURLInvalid), credentials from the
 * `.dockerconfigjson` of spec.secretRef, TLS from spec.certSecretRef, plain HTTP only with spec.insecure,
 * and spec.timeout (else the interval) as the deadline of every request. Cloud providers' auto-login
 * (aws, azure, gcp), proxySecretRef and serviceAccountName's imagePullSecrets are refused by name.
 */
import { TerminalError, TransientError } from "../core/errors.ts";
import { parseDuration } from "../core/duration.ts";
import { formatRef } from "../core/ref.ts";
import type { Fetch, TlsOptions } from "../core/fetch.ts";
import type { ImageRepositorySpec, ImageRepositoryStatus } from "../api/image-repository.ts";
import { parseImageName, type ImageName } from "../image/image-name.ts";
import { credentialsFromDockerConfig, type RegistryCredentials } from "../source/oci/registry-auth.ts";
import { RegistryClient } from "../source/oci/registry-client.ts";
import type { KindObject, ReconcileContext } from "./reconciler.ts";
import { readSourceSecret, tlsFromSecret } from "./source-secrets.ts";
import { findCondition } from "../status/conditions.ts";

export type ImageRepositoryObject = KindObject<ImageRepositorySpec, ImageRepositoryStatus>;

export interface ImageRegistryDeps {
  /** A fetch bound to TLS settings (custom CA, client certificate). */
  fetchFor(tls: TlsOptions): Fetch;
}

export function imageNameOf(repo: ImageRepositoryObject): ImageName {
  try {
    return parseImageName(repo.spec.image);
  } catch (err) {
    throw new TerminalError("ImageURLInvalid", (err as Error).message, { cause: err });
  }
}

export async function imageRegistryClient(
  repo: ImageRepositoryObject,
  ctx: Pick<ReconcileContext<unknown>, "client">,
  deps: ImageRegistryDeps,
): Promise<{ client: RegistryClient; name: ImageName }> {
  const spec = repo.spec;
  const name = imageNameOf(repo);
  const unsupported = unsupportedAuth(spec);
  if (unsupported) throw new TerminalError("AuthenticationFailed", `${formatRef(repo)}: ${unsupported}`);
  let credentials: RegistryCredentials | undefined;
  if (spec.secretRef) {
    const secret = await readSourceSecret(ctx, repo, spec.secretRef.name);
    const config = secret[".dockerconfigjson"];
    if (config === undefined) {
      throw new TransientError("AuthenticationFailed", `failed to configure authentication options: Secret '${spec.secretRef.name}' has no .dockerconfigjson (a kubernetes.io/dockerconfigjson Secret is expected)`);
    }
    try {
      credentials = credentialsFromDockerConfig(config, name.registry);
    } catch (err) {
      throw new TransientError("AuthenticationFailed", `failed to configure authentication options: ${(err as Error).message}`, { cause: err });
    }
  }
  const tls = spec.certSecretRef ? tlsFromSecret(await readSourceSecret(ctx, repo, spec.certSecretRef.name)) : {};
  const timeout = parseDuration(spec.timeout ?? spec.interval);
  const client = new RegistryClient({
    host: name.apiHost,
    repository: name.repository,
    fetch: deps.fetchFor(tls),
    insecure: spec.insecure,
    credentials,
    signal: AbortSignal.timeout(timeout),
  });
  return { client, name };
}

function unsupportedAuth(spec: ImageRepositorySpec): string | undefined {
  if (spec.provider && spec.provider !== "generic") {
    return `provider '${spec.provider}' is not supported by rivulet: cloud registry auto-login needs the provider's workload identity; use a secretRef`;
  }
  if (spec.proxySecretRef) return "spec.proxySecretRef is not supported by rivulet";
  if (spec.serviceAccountName) return "spec.serviceAccountName is not supported by rivulet: put the pull secret in spec.secretRef";
  return undefined;
}

/**
 * The image controllers' success event, as Flux notifies it: only when the Ready message reads
 * differently than before (new tags, a new latest image) or the object recovers.
 */
export async function recordSucceeded<Spec, Status extends { conditions?: Parameters<typeof findCondition>[0] }>(
  obj: KindObject<Spec, Status>,
  ctx: ReconcileContext<Status>,
  message: string,
): Promise<void> {
  const before = findCondition(obj.status?.conditions, "Ready");
  if (before?.status !== "True" || before.message !== message) await ctx.events.record(obj, { type: "Normal", reason: "Succeeded", message });
}
