/**
 * The Deployment behind testdata/deployment-live.json (recorded from a Kubernetes 1.20 API server after
 * `kubectl apply --server-side --field-manager=rivulet`): the object with the given container, so tests
 * can state it as a build emits it and as the server stores it, which differ only in the container.
 */
import type { KubeObject } from "../../kube/types.ts";

export const webDeployment = (container: Record<string, unknown>): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "x", labels: { app: "web" } },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [container] },
    },
  },
});
