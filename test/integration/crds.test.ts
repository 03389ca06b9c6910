/**
 * rivulet's CRDs (crds/, generated from agent/api) and Flux's own CRDs (../shared/flux-crds, without
 * their CEL rules for Kubernetes 1.20) on a real API server: both install, both accept Flux's documented
 * example objects, and rivulet's API layer reads those objects and writes their status through either.
 * Runs on a control plane of its own, since the two CRD sets share their names.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { eventually, repoRoot } from "../support/cluster.ts";
import { createHttpClient } from "../../agent/kube/http-client.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import { KINDS } from "../../agent/api/kinds.ts";
import { validate } from "../../agent/api/validate.ts";
import { withoutCelRules } from "../../agent/api/flux-crd.ts";
import { parseDocuments } from "../../agent/yaml/parse.ts";
import { connect } from "../../agent/runtime/kube-transport.ts";
import { startLocalControlPlane, type LocalControlPlane } from "../../agent/devtools/local-control-plane.ts";

const fluxCrdDir = join(repoRoot, "..", "shared", "flux-crds");
const fm = { fieldManager: "rivulet-tests" };
let cp: LocalControlPlane | undefined;
let client: KubeClient;
// An existing cluster (RIVULET_TEST_KUBECONFIG) keeps its CRDs: swapping them there is not this test's to do.
const external = Boolean(process.env.RIVULET_TEST_KUBECONFIG);

beforeAll(async () => {
  if (external) return;
  cp = await startLocalControlPlane();
  client = createHttpClient({ transport: connect({ kubeconfig: cp.admin.kubeconfig }).transport });
});
afterAll(async () => {
  await cp?.stop();
});

const served = KINDS.map((k) => `${k.plural}.${k.group}`);

function fixtures(namespace: string): KubeObject[] {
  const dir = join(repoRoot, "agent", "api", "testdata");
  const out: KubeObject[] = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    (parseDocuments(readFileSync(join(dir, f), "utf8"), f) as KubeObject[]).forEach((o, i) => {
      // The documented examples reuse names; number them so each one is a separate object.
      out.push({ ...o, metadata: { ...o.metadata, name: `${o.metadata.name}-${f.replace(/\W/g, "").slice(0, 12)}-${i}`, namespace } });
    });
  }
  return out;
}

async function installCrds(crds: KubeObject[]): Promise<void> {
  for (const crd of crds) await client.apply(crd, { ...fm, force: true });
  for (const crd of crds) {
    await eventually(`${crd.metadata.name} to be Established`, async () => {
      const got = await client.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: crd.metadata.name! });
      const conds = ((got?.status as { conditions?: Array<{ type: string; status: string }> })?.conditions) ?? [];
      return conds.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
    });
  }
}

async function removeCrds(names: string[]): Promise<void> {
  for (const name of names) await client.delete({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name });
  for (const name of names) {
    await eventually(`${name} to be deleted`, async () =>
      (await client.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name })) ? undefined : true,
    60_000);
  }
}

/** Applies every documented example, reads it back, validates it, writes a Ready status and reads that. */
async function roundTrip(namespace: string): Promise<number> {
  await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }, fm);
  let n = 0;
  for (const obj of fixtures(namespace)) {
    const key = { apiVersion: obj.apiVersion, kind: obj.kind, namespace, name: obj.metadata.name! };
    await client.apply(obj, fm);
    const back = await client.get(key);
    expect(back).toBeDefined();
    expect(validate(back)).toEqual([]);
    expect(back!.spec).toMatchObject(obj.spec as object);
    n++;
    // Flux's Alert and Provider (v1beta3) have no status at all.
    if (!KINDS.find((k) => k.kind === obj.kind)?.statusSubresource) continue;
    const status = {
      observedGeneration: back!.metadata.generation,
      conditions: [{ type: "Ready", status: "True", reason: "Succeeded", message: "stored", lastTransitionTime: "2026-01-01T00:00:00Z", observedGeneration: back!.metadata.generation }],
    };
    await client.apply({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: key.name, namespace }, status }, { fieldManager: "rivulet-status", subresource: "status", force: true });
    const withStatus = await client.get(key);
    expect((withStatus!.status as typeof status).conditions[0]).toMatchObject({ type: "Ready", reason: "Succeeded", message: "stored" });
    expect(validate(withStatus)).toEqual([]);
  }
  return n;
}

async function printerColumns(plural: string, group: string, version: string, namespace: string): Promise<string[]> {
  // The columns as the API server stores them in the CRD: what kubectl prints for `get`.
  void namespace;
  const crd = await client.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: `${plural}.${group}` });
  const v = ((crd!.spec as { versions: Array<{ name: string; additionalPrinterColumns?: Array<{ name: string }> }> }).versions).find((x) => x.name === version);
  return (v?.additionalPrinterColumns ?? []).map((c) => c.name);
}

describe("CRDs on a real API server", () => {
  test.skipIf(!existsSync(fluxCrdDir) || external)("rivulet's CRDs and then Flux's own CRDs both carry the documented objects and their status", async () => {
    // 1. rivulet's generated CRDs.
    const ours = readdirSync(join(repoRoot, "crds"))
      .filter((f) => f.endsWith(".yaml"))
      .flatMap((f) => parseDocuments(readFileSync(join(repoRoot, "crds", f), "utf8"), f)) as KubeObject[];
    expect(ours.map((c) => c.metadata.name).sort()).toEqual([...served].sort());
    await installCrds(ours);
    const fixtureCount = await roundTrip("with-rivulet-crds");
    expect(fixtureCount).toBeGreaterThanOrEqual(KINDS.length);
    const ourColumns = new Map<string, string[]>();
    for (const k of KINDS) ourColumns.set(k.kind, await printerColumns(k.plural, k.group, k.version, "with-rivulet-crds"));
    await client.delete({ apiVersion: "v1", kind: "Namespace", name: "with-rivulet-crds" });
    await removeCrds(served);

    // 2. Flux's own CRDs, minus CEL (Kubernetes 1.20 has none).
    const flux = readdirSync(fluxCrdDir)
      .filter((f) => f.endsWith(".yaml"))
      .flatMap((f) => parseDocuments(readFileSync(join(fluxCrdDir, f), "utf8"), f) as KubeObject[])
      .filter((c) => served.includes(c.metadata.name!))
      .map((c) => withoutCelRules(c));
    expect(flux.length).toBe(served.length);
    await installCrds(flux);
    expect(await roundTrip("with-flux-crds")).toBe(fixtureCount);
    for (const k of KINDS) {
      expect({ kind: k.kind, columns: await printerColumns(k.plural, k.group, k.version, "with-flux-crds") }).toEqual({ kind: k.kind, columns: ourColumns.get(k.kind)! });
    }
  }, 300_000);
});
