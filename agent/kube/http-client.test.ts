import { expect, test } from "bun:test";
import { resourceOfPath } from "./http-client.ts";

test.each([
  ["/api/v1/namespaces/bench/secrets", "secrets"],
  ["/api/v1/namespaces/bench/secrets/sh.helm.release.v1.app.v1?fieldManager=x", "secrets"],
  ["/apis/helm.toolkit.fluxcd.io/v2/namespaces/bench/helmreleases/app/status", "helmreleases/status"],
  ["/apis/apps/v1/namespaces/bench/deployments?watch=true&resourceVersion=5", "deployments"],
  ["/api/v1/namespaces/bench", "namespaces"],
  ["/apis/rbac.authorization.k8s.io/v1/clusterroles/view", "clusterroles"],
  ["/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "selfsubjectaccessreviews"],
  ["/apis/apps/v1", ""],
  ["/version", ""],
])("resourceOfPath(%s) = %p", (path, want) => {
  expect(resourceOfPath(path)).toBe(want);
});
