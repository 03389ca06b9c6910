/**
 * kustomize-controller's own sops test data (../shared/fixtures/sops, with its keys), read where the
 * unit, CLI and integration tests use it: a file, a key, and the upstream overlay as a file map without
 * its `remote` directory (that one fetches a URL from GitHub).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const FLUX_SOPS = join(import.meta.dirname, "../../../shared/fixtures/sops/internal/controller/testdata/sops");

export const fluxSopsFile = (path: string) => readFileSync(join(FLUX_SOPS, path), "utf8");

/** The overlay's files by path, its top kustomization.yaml without `remote`. */
export function fluxSopsOverlay(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const dir of ["algorithms", "envs", "files", "patches", "inside", "component"]) {
    for (const f of readdirSync(join(FLUX_SOPS, dir))) files[`${dir}/${f}`] = fluxSopsFile(`${dir}/${f}`);
  }
  files["kustomization.yaml"] = fluxSopsFile("kustomization.yaml").replace("  - remote\n", "");
  return files;
}

/** What the overlay builds to, by `Kind/name`: the values the upstream test asserts (vault.yaml is plain). */
export const FLUX_SOPS_PLAINTEXT: Record<string, Record<string, string>> = {
  "Secret/sops-algo-age": { key: "value" },
  "Secret/sops-algo-age-pq": { key: "value" },
  "Secret/sops-algo-pgp": { key: "value" },
  "Secret/sops-algo-vault": { key: "value" },
  "Secret/sops-envs-secret": { key: "value" },
  "ConfigMap/sops-envs-configmap": { key: "value" },
  "Secret/sops-files-secret": { key: "value" },
  "ConfigMap/sops-files-configmap": { key: "value" },
  "Secret/sops-patches-secret": { key: "merge1", merge2: "merge2" },
  "Secret/sops-inside-secret": { key: "value" },
  "Secret/sops-component": { key: "value" },
};
