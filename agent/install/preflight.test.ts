import { describe, expect, test } from "bun:test";
import type { KubeClient } from "../kube/client.ts";
import { KINDS } from "../api/kinds.ts";
import { checkCrds } from "./preflight.ts";

/** Discovery as an API server with the source group at v1 (GitRepository only) and helm at v2beta1. */
const discovery = {
  "/apis": { groups: [{ name: "source.toolkit.fluxcd.io", versions: [{ version: "v1" }, { version: "v1beta2" }] }, { name: "helm.toolkit.fluxcd.io", versions: [{ version: "v2beta1" }] }] },
  "/apis/source.toolkit.fluxcd.io/v1": { resources: [{ name: "gitrepositories" }, { name: "gitrepositories/status" }] },
} as Record<string, unknown>;
const client = { raw: async (_m: string, path: string) => discovery[path] ?? {} } as unknown as KubeClient;

describe("checkCrds", () => {
  test("tells present, missing and wrong-version CRDs apart through discovery", async () => {
    const byName = new Map((await checkCrds(client, KINDS)).map((c) => [c.name, c]));
    expect(byName.get("gitrepositories.source.toolkit.fluxcd.io")).toEqual({
      name: "gitrepositories.source.toolkit.fluxcd.io",
      kind: "GitRepository",
      version: "v1",
      served: ["v1", "v1beta2"],
      present: true,
    });
    expect(byName.get("buckets.source.toolkit.fluxcd.io")?.present).toBe(false);
    expect(byName.get("helmreleases.helm.toolkit.fluxcd.io")).toMatchObject({ present: false, served: ["v2beta1"] });
    expect(byName.get("kustomizations.kustomize.toolkit.fluxcd.io")).toMatchObject({ present: false, served: [] });
    expect(byName.size).toBe(KINDS.length);
  });
});
