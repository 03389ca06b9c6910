/**
 * OCIRepository end to end with verification: Debian's docker-registry on loopback, artifacts pushed
 * and signed with rivulet's own CLI (as a user would), the real control plane, and the agent. A signed
 * artifact flows through to an applied Kustomization; an unsigned new tag is refused with
 * SourceVerified=False, nothing of it is applied, and the last verified artifact stays.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, eventually, uniqueNamespace } from "../support/cluster.ts";
import { startRegistry, type TestRegistry } from "../support/oci-registry.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import { startRivulet } from "../support/agent-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";
import { FileTree } from "../../agent/artifact/file-tree.ts";
import { pack } from "../../agent/artifact/pack.ts";
import { loadChartArchive } from "../../agent/helm/chart-loader.ts";
import { MEDIA } from "../../agent/source/oci/media-types.ts";
import { pushHelmChart } from "../../agent/source/oci/push-helm-chart.ts";
import { RegistryClient } from "../../agent/source/oci/registry-client.ts";

const SRC = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
let client: KubeClient;
let ns: string;
let reg: TestRegistry;
let agent: InProcessAgent;
let dir: string;

async function cli(...args: string[]): Promise<void> {
  const p = startRivulet(args);
  const code = await p.exited;
  if (code !== 0) throw new Error(`rivulet ${args.join(" ")} failed (${code}): ${p.stderr.join("\n")}`);
}

function appDir(name: string, value: string): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "cm.yaml"), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-oci\ndata:\n  value: "${value}"\n`);
  return d;
}

const getOci = async () => (await client.get({ apiVersion: SRC, kind: "OCIRepository", namespace: ns, name: "app" })) as FluxObject | undefined;
const cond = (o: FluxObject | undefined, type: string) => o?.status?.conditions?.find((c) => c.type === type);
const cmValue = async () => ((await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "from-oci" }))?.data as { value?: string } | undefined)?.value;

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("oci");
  reg = await startRegistry();
  dir = mkdtempSync(join(tmpdir(), "rivulet-oci-it-"));
  execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", join(dir, "cosign.key")]);
  execFileSync("openssl", ["pkey", "-in", join(dir, "cosign.key"), "-pubout", "-out", join(dir, "cosign.pub")]);
  agent = await startAgent(client, ns, join(dir, "storage"));
});
afterAll(async () => {
  await agent?.stop();
  await reg?.stop();
  await deleteNamespace(ns);
  rmSync(dir, { recursive: true, force: true });
});

describe("OCIRepository with cosign verification", () => {
  test("a key-signed artifact is verified, stored and applied by a Kustomization", async () => {
    const url = `oci://${reg.host}/tenant/app`;
    await cli("push", "artifact", `${url}:v1.0.0`, "--path", appDir("v1", "one"), "--source", "https://git.example/app", "--revision", "main@sha1:1111", "--insecure");
    await cli("sign", `${url}:v1.0.0`, "--key", join(dir, "cosign.key"), "--insecure");
    await client.apply({ apiVersion: "v1", kind: "Secret", metadata: { name: "cosign-pub", namespace: ns }, stringData: { "cosign.pub": readFileSync(join(dir, "cosign.pub"), "utf8") } }, fm);
    await client.apply(
      { apiVersion: SRC, kind: "OCIRepository", metadata: { name: "app", namespace: ns }, spec: { interval: "10m", url, insecure: true, ref: { semver: ">=1.0.0" }, verify: { provider: "cosign", secretRef: { name: "cosign-pub" } } } },
      fm,
    );
    const o = await eventually("the OCIRepository to be Ready", async () => {
      const o = await getOci();
      return cond(o, "Ready")?.status === "True" ? o : undefined;
    });
    const artifact = o.status!.artifact as { revision: string; path: string; metadata?: Record<string, string> };
    expect(artifact.revision).toMatch(/^v1\.0\.0@sha256:[0-9a-f]{64}$/);
    expect(artifact.path).toBe(`ocirepository/${ns}/app/${artifact.revision.split("@")[1]}.tar.gz`);
    expect(artifact.metadata?.["org.opencontainers.image.revision"]).toBe("main@sha1:1111");
    expect(cond(o, "SourceVerified")).toMatchObject({ status: "True", reason: "Succeeded" });
    await client.apply(
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: "app", namespace: ns }, spec: { interval: "10m", path: "./", prune: true, sourceRef: { kind: "OCIRepository", name: "app" } } },
      fm,
    );
    await eventually("the ConfigMap from the signed artifact", async () => ((await cmValue()) === "one" ? true : undefined));
  });

  test("an unsigned newer tag is refused: SourceVerified=False, nothing applied, the verified artifact kept", async () => {
    const before = (await getOci())!.status!.artifact;
    await cli("push", "artifact", `oci://${reg.host}/tenant/app:v2.0.0`, "--path", appDir("v2", "two"), "--source", "https://git.example/app", "--revision", "main@sha1:2222", "--insecure");
    await client.patch({ apiVersion: SRC, kind: "OCIRepository", namespace: ns, name: "app" }, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "v2" } } }, "merge");
    const o = await eventually("SourceVerified=False", async () => {
      const o = await getOci();
      return cond(o, "SourceVerified")?.status === "False" ? o : undefined;
    });
    expect(cond(o, "SourceVerified")!.reason).toBe("VerificationError");
    expect(cond(o, "SourceVerified")!.message).toContain("v2.0.0@sha256:");
    expect(cond(o, "SourceVerified")!.message).toContain("NoSignature");
    expect(cond(o, "Ready")!.status).toBe("False");
    expect(o.status!.artifact).toEqual(before);
    // A reconcile of the Kustomization after the refusal still applies the verified artifact.
    const KS = { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: "app" };
    await client.patch(KS, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "after-v2" } } }, "merge");
    const ks = await eventually("the Kustomization to handle the request", async () => {
      const k = (await client.get(KS)) as FluxObject | undefined;
      return k?.status?.lastHandledReconcileAt === "after-v2" ? k : undefined;
    });
    expect(ks.status!.lastAppliedRevision).toBe((before as { revision: string }).revision);
    expect(await cmValue()).toBe("one");
  });
});

describe("OCIRepository for a Helm chart (the chartRef path)", () => {
  test("layerSelector copy of the chart layer stores the packaged chart unchanged as <digest>.tgz", async () => {
    const files = {
      "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.4.1\n",
      "web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
    };
    const tree = new FileTree(Object.entries(files).map(([p, c]) => [p, { kind: "file", mode: 0o644, data: new TextEncoder().encode(c) }]));
    const chart = (await pack(tree)).bytes;
    const registry = new RegistryClient({ host: reg.host, repository: "charts/web", fetch, insecure: true });
    const pushed = await pushHelmChart(registry, { chart, metadata: { apiVersion: "v2", name: "web", version: "0.4.1" } });
    await client.apply(
      {
        apiVersion: SRC, kind: "OCIRepository", metadata: { name: "web-chart", namespace: ns },
        spec: { interval: "10m", url: `oci://${reg.host}/charts/web`, insecure: true, ref: { semver: "0.4.x" }, layerSelector: { mediaType: MEDIA.helmChart, operation: "copy" } },
      },
      fm,
    );
    const o = await eventually("the chart OCIRepository to be Ready", async () => {
      const o = (await client.get({ apiVersion: SRC, kind: "OCIRepository", namespace: ns, name: "web-chart" })) as FluxObject | undefined;
      return cond(o, "Ready")?.status === "True" ? o : undefined;
    });
    const artifact = o.status!.artifact as { revision: string; path: string; digest: string; url: string };
    expect(artifact.revision).toBe(`0.4.1@${pushed.digest}`);
    expect(artifact.path).toBe(`ocirepository/${ns}/web-chart/${pushed.digest}.tgz`);
    expect(artifact.digest).toBe(pushed.chartDigest);
    const served = new Uint8Array(await (await fetch(artifact.url)).arrayBuffer());
    expect(served).toEqual(new Uint8Array(chart));
    expect((await loadChartArchive(served, "web.tgz")).metadata.version).toBe("0.4.1");
  });
});
