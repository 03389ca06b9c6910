import { expect, test } from "bun:test";
import { planTargets } from "./receiver-targets.ts";

test("names, defaults and wildcards resolve in the Receiver's namespace as Flux resolves them", () => {
  const plan = planTargets(
    [
      { kind: "GitRepository", name: "app" },
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", name: "apps", namespace: "team" },
      { kind: "OCIRepository", name: "*", matchLabels: { tier: "web", app: "shop" } },
    ],
    "team",
  );
  expect(plan).toEqual({
    targets: [
      { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: "team", name: "app" },
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "team", name: "apps" },
      { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "OCIRepository", namespace: "team", labelSelector: "app=shop,tier=web" },
    ],
    refused: [],
  });
});

test.each([
  [{ kind: "GitRepository", name: "app", namespace: "other" }, "GitRepository/other/app: cross-namespace references are not allowed"],
  [{ kind: "Kustomization", name: "apps" }, `Kustomization/team/apps: apiVersion must be specified for kind "Kustomization"`],
  [{ kind: "GitRepository", name: "*" }, "GitRepository/team/*: matchLabels field not set when using wildcard '*' as name"],
])("an entry is refused before any request: %o", (entry, why) => {
  expect(planTargets([entry, { kind: "Bucket", name: "b" }], "team")).toEqual({
    targets: [{ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "Bucket", namespace: "team", name: "b" }],
    refused: [why],
  });
});
