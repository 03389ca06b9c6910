/**
 * Reads a Secret referenced by a Flux object (spec.secretRef and friends) as decoded strings, with an
 * error that names both the referring object and the Secret.
 */
import type { KubeClient } from "./client.ts";

export class MissingSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MissingSecretError";
  }
}

export async function readSecret(client: KubeClient, namespace: string, name: string, usedBy: string): Promise<Record<string, string>> {
  const s = await client.get({ apiVersion: "v1", kind: "Secret", namespace, name });
  if (!s) throw new MissingSecretError(`Secret/${namespace}/${name} referenced by ${usedBy} not found: create it or fix the reference`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((s.data as Record<string, string> | undefined) ?? {})) out[k] = decodeBase64(v);
  for (const [k, v] of Object.entries((s.stringData as Record<string, string> | undefined) ?? {})) out[k] = v;
  return out;
}

function decodeBase64(b64: string): string {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}
