import { describe, expect, test } from "bun:test";
import { maskUrl, summarize } from "./object-summary.ts";
import type { KubeObject } from "../kube/types.ts";

const obj = (kind: string, spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject => ({
  apiVersion: "x/v1",
  kind,
  metadata: { name: "app", namespace: "team" },
  spec,
  status,
});
const ready = (status: string, message: string, at = "2026-01-01T10:00:00Z") => ({ type: "Ready", status, reason: status === "True" ? "Succeeded" : "BuildFailed", message, lastTransitionTime: at });

describe("summarize", () => {
  test.each([
    [
      "a GitRepository shows its artifact revision and masks the URL's credentials",
      obj("GitRepository", { url: "https://bot:s3cret@git.example/app.git" }, { conditions: [ready("True", "stored artifact for revision 'main@sha1:abc'")], artifact: { revision: "main@sha1:abc", lastUpdateTime: "2026-01-01T10:05:00Z" } }),
      { ready: "True", revision: "main@sha1:abc", lastReconcile: "2026-01-01T10:05:00Z", from: "https://***@git.example/app.git" },
    ],
    [
      "a failed Kustomization shows its last applied revision, its message and source",
      obj("Kustomization", { path: "./nope", sourceRef: { kind: "GitRepository", name: "app" } }, { conditions: [ready("False", "kustomization path not found: stat ./nope")], lastAppliedRevision: "main@sha1:abc", lastHandledReconcileAt: "2026-01-01T11:00:00Z" }),
      { ready: "False", reason: "BuildFailed", message: "kustomization path not found: stat ./nope", revision: "main@sha1:abc", lastReconcile: "2026-01-01T11:00:00Z", from: "GitRepository/app ./nope" },
    ],
    [
      "a HelmRelease shows its newest release's chart version and its chart's source",
      obj("HelmRelease", { chart: { spec: { chart: "podinfo", sourceRef: { kind: "HelmRepository", name: "charts" } } } }, { conditions: [ready("True", "Helm install succeeded")], history: [{ chartVersion: "6.5.0" }], lastAttemptedRevision: "6.5.1" }),
      { revision: "6.5.0", from: "HelmRepository/charts podinfo" },
    ],
    [
      "an ImagePolicy shows its latest image and its ImageRepository",
      obj("ImagePolicy", { imageRepositoryRef: { name: "podinfo" } }, { conditions: [ready("True", "Latest image tag for podinfo resolved to 6.5.0")], latestRef: { name: "ghcr.io/stefanprodan/podinfo", tag: "6.5.0" } }),
      { revision: "ghcr.io/stefanprodan/podinfo:6.5.0", from: "ImageRepository/podinfo" },
    ],
    [
      "an object never reconciled is Unknown and waiting",
      obj("Bucket", { endpoint: "minio:9000", bucketName: "b", suspend: true }, {}),
      { ready: "Unknown", message: "waiting to be reconciled", revision: "", lastReconcile: "", suspended: true, from: "minio:9000/b" },
    ],
  ])("%s", (_name, o, want) => {
    expect(summarize(o)).toMatchObject({ kind: o.kind, name: "app", ...want });
  });
});

describe("maskUrl", () => {
  test.each([
    ["https://user:pass@host/repo.git", "https://***@host/repo.git"],
    ["ssh://git@github.com/org/repo", "ssh://***@github.com/org/repo"],
    ["oci://ghcr.io/org/charts", "oci://ghcr.io/org/charts"],
    ["not a url://user:pw@x", "not a url://***@x"],
  ])("%s becomes %s", (url, want) => {
    expect(maskUrl(url)).toBe(want);
    expect(maskUrl(maskUrl(url))).toBe(want);
  });
});
