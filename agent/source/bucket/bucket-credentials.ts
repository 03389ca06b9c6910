/**
 * Credentials for a generic (S3-compatible) Bucket from the Secret named by `spec.secretRef`, read the way
 * source-controller does: the Secret must have both data keys `accesskey` and `secretkey`; when either is
 * empty the requests go out anonymous (minio-go gets no static credentials then).
 */
import { TransientError } from "../../core/errors.ts";
import type { S3Credentials } from "./s3-client.ts";

export interface SecretLike {
  metadata?: { name?: string; namespace?: string };
  /** Base64 values, as the API server returns them. */
  data?: Record<string, string>;
}

function decodeBase64(value: string): string {
  const bin = atob(value);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

export function bucketCredentialsFromSecret(secret: SecretLike): S3Credentials | undefined {
  const name = secret.metadata?.namespace ? `${secret.metadata.namespace}/${secret.metadata.name}` : secret.metadata?.name ?? "";
  const data = secret.data ?? {};
  if (!("accesskey" in data) || !("secretkey" in data)) {
    throw new TransientError(
      "AuthenticationFailed",
      `Cannot use Secret "${name}" for the bucket: data keys "accesskey" and "secretkey" are required`,
    );
  }
  let accessKey: string;
  let secretKey: string;
  try {
    accessKey = decodeBase64(data.accesskey ?? "");
    secretKey = decodeBase64(data.secretkey ?? "");
  } catch (err) {
    throw new TransientError("AuthenticationFailed", `Cannot use Secret "${name}" for the bucket: data is not base64`, { cause: err });
  }
  return accessKey && secretKey ? { accessKey, secretKey } : undefined;
}
