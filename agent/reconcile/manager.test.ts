import { expect, test } from "bun:test";
import { secretNames } from "./manager.ts";

test("secretNames finds every Secret a Flux object's spec refers to", () => {
  expect(
    secretNames({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "k" },
      spec: {
        decryption: { secretRef: { name: "sops" } },
        postBuild: { substituteFrom: [{ kind: "ConfigMap", name: "vars" }, { kind: "Secret", name: "secret-vars" }] },
      },
    }),
  ).toEqual(["sops", "secret-vars"]);
  expect(
    secretNames({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "OCIRepository",
      metadata: { name: "o" },
      spec: { secretRef: { name: "pull" }, certSecretRef: { name: "tls" }, verify: { secretRef: { name: "cosign" }, trustedRootSecretRef: { name: "root" } } },
    }),
  ).toEqual(["pull", "tls", "cosign", "root"]);
  expect(secretNames({ apiVersion: "v1", kind: "X", metadata: { name: "x" } })).toEqual([]);
});
