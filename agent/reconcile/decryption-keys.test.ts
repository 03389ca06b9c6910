import { describe, expect, test } from "bun:test";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { EMPTY_KEYRING, readDecryptionKeyring } from "./decryption-keys.ts";

/** A client that serves `secrets` and records every key read. */
function secretsClient(secrets: KubeObject[], reads: string[]): KubeClient {
  const get = async (key: { kind: string; namespace?: string; name: string }) => {
    reads.push(`${key.kind}/${key.namespace}/${key.name}`);
    return secrets.find((s) => s.metadata.namespace === key.namespace && s.metadata.name === key.name);
  };
  return { get } as unknown as KubeClient;
}

const ks = (decryption: Record<string, unknown>) => ({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "app", namespace: "tenant" }, spec: { decryption } }) as never;

describe("the decryption keys", () => {
  test("are read from the Kustomization's own namespace, a missing Secret naming what to create", async () => {
    const reads: string[] = [];
    const other = { apiVersion: "v1", kind: "Secret", metadata: { name: "keys", namespace: "elsewhere" }, data: {} };
    await expect(readDecryptionKeyring(secretsClient([other], reads), ks({ provider: "sops", secretRef: { name: "keys" } }), "Kustomization/tenant/app")).rejects.toThrow(
      "Kustomization/tenant/app: decryption Secret/tenant/keys not found: create it or fix spec.decryption.secretRef",
    );
    expect(reads).toEqual(["Secret/tenant/keys"]);
  });

  test("are none without a secretRef, with nothing read", async () => {
    const reads: string[] = [];
    expect(await readDecryptionKeyring(secretsClient([], reads), ks({ provider: "sops" }), "Kustomization/tenant/app")).toBe(EMPTY_KEYRING);
    expect(reads).toEqual([]);
  });

  test("refuse another provider before any read, with the API server's text", async () => {
    const reads: string[] = [];
    await expect(readDecryptionKeyring(secretsClient([], reads), ks({ provider: "vault", secretRef: { name: "keys" } }), "Kustomization/tenant/app")).rejects.toThrow(
      'Kustomization/tenant/app: spec.decryption.provider: Unsupported value: "vault": supported values: "sops"',
    );
    expect(reads).toEqual([]);
  });

  test("refuse a Secret entry that is not base64, naming the entry and not its value", async () => {
    const bad = { apiVersion: "v1", kind: "Secret", metadata: { name: "keys", namespace: "tenant" }, data: { "age.agekey": "%%%AGE-SECRET-KEY%%%" } };
    const err = await readDecryptionKeyring(secretsClient([bad], []), ks({ provider: "sops", secretRef: { name: "keys" } }), "Kustomization/tenant/app").catch((e: Error) => e);
    expect((err as Error).message).toBe("Kustomization/tenant/app: decryption Secret/tenant/keys: entry 'age.agekey' is not base64");
  });
});
