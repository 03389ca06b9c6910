import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocuments } from "../yaml/parse.ts";
import type { KubeObject } from "../kube/types.ts";
import { installObjects, tenantResourceFiles } from "./install-objects.ts";
import { bootstrapFiles, normalizePath, syncObjects, tenantFiles } from "./bootstrap-manifests.ts";

const tenantDir = join(import.meta.dirname, "..", "..", "deploy", "tenant");
const files = tenantResourceFiles(parseDocuments(readFileSync(join(tenantDir, "kustomization.yaml"), "utf8"))[0]);
const tenantDocs = files.flatMap((f) => parseDocuments(readFileSync(join(tenantDir, f), "utf8"))) as KubeObject[];
const install = (namespace: string) => installObjects({ namespace, image: "registry.example/rivulet:1", allowKinds: [], artifactStorage: "pvc" }, tenantDocs);
const docs = (text: string | undefined) => parseDocuments(text!) as KubeObject[];

describe("normalizePath", () => {
  const cases: Array<[string, string]> = [
    ["", ""],
    [".", ""],
    ["./", ""],
    ["clusters/dev", "clusters/dev"],
    ["./clusters/dev/", "clusters/dev"],
    ["/clusters//dev", "clusters/dev"],
  ];
  for (const [input, want] of cases) test(`"${input}" is "${want}"`, () => expect(normalizePath(input)).toBe(want));
  test("refuses a path that leaves the repository", () => {
    expect(() => normalizePath("clusters/../../etc")).toThrow('Cannot use path "clusters/../../etc": it leaves the repository');
  });
  test("normalizing twice changes nothing", () => {
    for (const [input] of cases) expect(normalizePath(normalizePath(input))).toBe(normalizePath(input));
  });
});

describe("bootstrapFiles", () => {
  const sync = syncObjects({ name: "rivulet-system", namespace: "team-a", url: "https://git.example/fleet.git", branch: "main", path: "clusters/dev", secretName: "rivulet-system" });

  test("the sync pair has flux bootstrap's gotk-sync.yaml shape, named rivulet-system", () => {
    // flux bootstrap writes: GitRepository flux-system (interval 1m0s, ref.branch, secretRef, url) and
    // Kustomization flux-system (interval 10m0s, path ./<path>, prune true, sourceRef GitRepository).
    expect(sync).toEqual([
      {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { name: "rivulet-system", namespace: "team-a" },
        spec: { interval: "1m0s", ref: { branch: "main" }, secretRef: { name: "rivulet-system" }, url: "https://git.example/fleet.git" },
      },
      {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name: "rivulet-system", namespace: "team-a" },
        spec: { interval: "10m0s", path: "./clusters/dev", prune: true, sourceRef: { kind: "GitRepository", name: "rivulet-system" } },
      },
    ]);
  });

  test("lays out PATH/rivulet-system/{agent,sync,kustomization}.yaml that read back as the objects", () => {
    const out = bootstrapFiles("./clusters/dev/", install("team-a"), sync);
    expect(Object.keys(out).sort()).toEqual(["clusters/dev/rivulet-system/agent.yaml", "clusters/dev/rivulet-system/kustomization.yaml", "clusters/dev/rivulet-system/sync.yaml"]);
    expect(docs(out["clusters/dev/rivulet-system/agent.yaml"])).toEqual(install("team-a"));
    expect(docs(out["clusters/dev/rivulet-system/sync.yaml"])).toEqual(sync);
    expect(docs(out["clusters/dev/rivulet-system/kustomization.yaml"])).toEqual([{ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: ["agent.yaml", "sync.yaml"] }] as never);
  });

  test("at the repository root the sync path is ./ and the files sit in rivulet-system/", () => {
    const root = syncObjects({ name: "rivulet-system", namespace: "team-a", url: "u", branch: "main", path: "." });
    expect((root[1].spec as { path: string }).path).toBe("./");
    expect(root[0].spec).not.toHaveProperty("secretRef");
    expect(Object.keys(bootstrapFiles("", [], root)).sort()).toEqual(["rivulet-system/agent.yaml", "rivulet-system/kustomization.yaml", "rivulet-system/sync.yaml"]);
  });

  test("the same input gives the same bytes, so a re-run commits nothing", () => {
    expect(bootstrapFiles("clusters/dev", install("team-a"), sync)).toEqual(bootstrapFiles("clusters/dev", install("team-a"), sync));
  });
});

describe("tenantFiles", () => {
  const out = tenantFiles({ name: "dev-team", namespace: "apps", url: "https://git.example/dev-team.git", branch: "main", path: "./" }, install("apps"), "rivulet");

  test("rbac.yaml: the Namespace labelled with the tenant, then the namespaced install, nothing else cluster-scoped", () => {
    const rbac = docs(out["rbac.yaml"]);
    expect(rbac[0]).toEqual({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps", labels: { "toolkit.fluxcd.io/tenant": "dev-team" } } });
    expect(rbac.slice(1).map((o) => o.kind)).toEqual(install("apps").map((o) => o.kind));
    for (const o of rbac.slice(1)) {
      expect(o.metadata.namespace).toBe("apps");
      expect(o.metadata.labels?.["toolkit.fluxcd.io/tenant"]).toBe("dev-team");
      expect(o.kind).not.toMatch(/^Cluster/);
    }
  });

  test("sync.yaml: flux2-multi-tenancy's GitRepository and Kustomization, reconciled as the agent's ServiceAccount", () => {
    const [repo, ks] = docs(out["sync.yaml"]);
    expect(repo).toEqual({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "dev-team", namespace: "apps", labels: { "toolkit.fluxcd.io/tenant": "dev-team" } },
      spec: { interval: "1m0s", ref: { branch: "main" }, url: "https://git.example/dev-team.git" },
    });
    expect(ks!.spec).toEqual({ interval: "5m0s", path: "./", prune: true, serviceAccountName: "rivulet", sourceRef: { kind: "GitRepository", name: "dev-team" } });
    expect(docs(out["kustomization.yaml"])[0]).toMatchObject({ resources: ["rbac.yaml", "sync.yaml"] });
  });
});
