/**
 * What `rivulet install` puts in a tenant namespace, as plain objects: deploy/tenant/ (whatever its
 * kustomization lists: the ServiceAccount, the two Roles and their bindings, and anything added there
 * later, such as its NetworkPolicy) placed in the namespace, plus the agent's Deployment, the Service in
 * front of its artifact server (port 80) and Receiver webhooks (port 9440), and the artifacts' PersistentVolumeClaim. Every object carries INSTALL_LABELS, so
 * `rivulet uninstall` deletes what install made and nothing else. No I/O here: the command reads the
 * files and applies the result.
 */
import type { KubeObject } from "../kube/types.ts";
import { tenantObjects } from "../kube/tenant-install.ts";

export type ArtifactStorage = "pvc" | "emptydir";

export interface InstallOptions {
  namespace: string;
  image: string;
  /** Cluster-scoped kinds the agent may apply (`rivulet run --allow-cluster-kinds`). */
  allowKinds: string[];
  artifactStorage: ArtifactStorage;
}

/** The label every installed object carries; uninstall selects by it. */
export const INSTALL_LABELS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/name": "rivulet",
  "app.kubernetes.io/managed-by": "rivulet-install",
};
export const INSTALL_SELECTOR = Object.entries(INSTALL_LABELS)
  .map(([k, v]) => `${k}=${v}`)
  .join(",");

/**
 * Sizes from the benchmarks (README "Memory", bench/helm-benchmark.md): an idle agent is ~55-60 MiB
 * resident and 1,000 Kustomizations peak at ~120 MiB, so the request covers a busy Kustomization tenant;
 * 1,000 HelmReleases peak at 240 MiB with the Helm engine loaded, so the limit leaves 2x over that. The
 * agent spent 12-36 CPU-seconds converging 1,000 objects: a tenth of a core is plenty at rest, one core
 * bounds a burst.
 */
export const DEFAULTS = {
  name: "rivulet",
  serviceAccount: "rivulet",
  port: 9440,
  /** The artifact server, opened to the pod network (--storage-addr); the NetworkPolicy in deploy/tenant/ admits only the namespace. */
  artifactPort: 9090,
  storagePath: "/data",
  storageSize: "1Gi",
  resources: {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "1", memory: "512Mi" },
  },
  runAsUser: 65532,
} as const;

/** The tenant files first (their kustomization's order), then storage, Service and Deployment. */
export function installObjects(opts: InstallOptions, tenantDocs: KubeObject[]): KubeObject[] {
  const ns = opts.namespace;
  const meta = (name: string) => ({ name, namespace: ns, labels: { ...INSTALL_LABELS } });
  const tenant = tenantObjects(tenantDocs, ns).map((o) => ({
    ...o,
    metadata: { ...o.metadata, labels: { ...(o.metadata.labels ?? {}), ...INSTALL_LABELS } },
  }));
  const selector = { "app.kubernetes.io/name": DEFAULTS.name, "app.kubernetes.io/instance": ns };
  const out: KubeObject[] = [...tenant];
  if (opts.artifactStorage === "pvc") {
    out.push({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: meta(`${DEFAULTS.name}-artifacts`),
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: DEFAULTS.storageSize } } },
    });
  }
  out.push({
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(DEFAULTS.name),
    spec: {
      type: "ClusterIP",
      selector,
      // Port 80 to the artifact server as source-controller's Service, so artifact URLs need no port;
      // Receiver webhooks are on the health port, beside the probes.
      ports: [
        { name: "artifacts", port: 80, targetPort: "artifacts", protocol: "TCP" },
        { name: "http", port: DEFAULTS.port, targetPort: "http", protocol: "TCP" },
      ],
    },
  });
  out.push(deployment(opts, meta(DEFAULTS.name), selector));
  return out;
}

function deployment(opts: InstallOptions, metadata: KubeObject["metadata"], selector: Record<string, string>): KubeObject {
  const args = [
    "run",
    `--namespace=${opts.namespace}`,
    `--storage-path=${DEFAULTS.storagePath}`,
    `--health-addr=0.0.0.0:${DEFAULTS.port}`,
    `--storage-addr=0.0.0.0:${DEFAULTS.artifactPort}`,
    `--storage-adv-addr=http://${DEFAULTS.name}.${opts.namespace}.svc.cluster.local.`,
    // One replica, but a rolling update briefly runs two: the Lease keeps the new one waiting.
    "--leader-elect",
  ];
  if (opts.allowKinds.length > 0) args.push(`--allow-cluster-kinds=${opts.allowKinds.join(",")}`);
  const data =
    opts.artifactStorage === "pvc"
      ? { name: "data", persistentVolumeClaim: { claimName: `${DEFAULTS.name}-artifacts` } }
      : { name: "data", emptyDir: {} };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      // A ReadWriteOnce volume cannot be mounted by the old and the new pod on different nodes at once.
      strategy: opts.artifactStorage === "pvc" ? { type: "Recreate" } : { type: "RollingUpdate" },
      template: {
        metadata: { labels: { ...INSTALL_LABELS, ...selector } },
        spec: {
          serviceAccountName: DEFAULTS.serviceAccount,
          terminationGracePeriodSeconds: 30,
          // Pod Security Standards, profile "restricted".
          securityContext: {
            runAsNonRoot: true,
            runAsUser: DEFAULTS.runAsUser,
            runAsGroup: DEFAULTS.runAsUser,
            fsGroup: DEFAULTS.runAsUser,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "agent",
              image: opts.image,
              imagePullPolicy: "IfNotPresent",
              args,
              ports: [
                { name: "http", containerPort: DEFAULTS.port, protocol: "TCP" },
                { name: "artifacts", containerPort: DEFAULTS.artifactPort, protocol: "TCP" },
              ],
              readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 10 },
              livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 20 },
              resources: structuredClone(DEFAULTS.resources) as unknown as Record<string, unknown>,
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [
                { name: "data", mountPath: DEFAULTS.storagePath },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [data, { name: "tmp", emptyDir: {} }],
        },
      },
    },
  };
}

/** The kinds install makes, as apiVersion + kind, for uninstall to list by label. */
export function installedKinds(objects: KubeObject[]): Array<{ apiVersion: string; kind: string }> {
  const seen = new Map<string, { apiVersion: string; kind: string }>();
  for (const o of objects) seen.set(`${o.apiVersion}|${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind });
  return [...seen.values()];
}

/** The files deploy/tenant/kustomization.yaml lists under resources, in order (local files only). */
export function tenantResourceFiles(kustomization: unknown): string[] {
  const resources = (kustomization as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== "string")) {
    throw new Error("Cannot read deploy/tenant/kustomization.yaml: resources must be a list of file names");
  }
  return resources as string[];
}
