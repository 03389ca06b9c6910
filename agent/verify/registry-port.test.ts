import { expect, test } from "bun:test";
import { DigestMismatchError, RegistryError } from "../source/oci/registry-types.ts";
import type { RegistryReader } from "./registry-port.ts";
import { verifyOciArtifact } from "./verify-oci-artifact.ts";

const DIGEST = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/** A registry that holds the artifact but no signature, or fails the way it is told to. */
function fakeRegistry(o: { referrers?: () => Promise<never> } = {}): RegistryReader {
  return {
    host: "registry.example",
    repository: "team/app",
    getManifest: async () => undefined,
    getBlob: async () => {
      throw new DigestMismatchError("not reached");
    },
    referrers: o.referrers ?? (async () => []),
  };
}

test("verification reads signatures through any RegistryReader: one with none reports NoSignature", async () => {
  const verdict = await verifyOciArtifact({ client: fakeRegistry(), digest: DIGEST });
  expect(verdict).toEqual({
    verified: false,
    reason: "NoSignature",
    message: `Cannot verify registry.example/team/app@${DIGEST}: no cosign signature found (neither a Sigstore bundle referrer nor a .sig tag)`,
  });
});

test("a registry error while looking up signatures is a FetchFailed verdict with the registry's message", async () => {
  const client = fakeRegistry({ referrers: () => Promise.reject(new RegistryError("Cannot list referrers: HTTP 500", 500)) });
  expect(await verifyOciArtifact({ client, digest: DIGEST })).toEqual({ verified: false, reason: "FetchFailed", message: "Cannot list referrers: HTTP 500" });
});
