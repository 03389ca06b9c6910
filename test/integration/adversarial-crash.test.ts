/**
 * A crash at any point of an apply leaves nothing behind (issue 25, item 1): `rivulet run` as a tenant
 * in a child process, a Kustomization switched from a small set of objects to a large one, the agent
 * killed with SIGKILL at a random point of that apply, the Kustomization switched back, the agent
 * restarted. Once it is Ready again, no object carrying the Kustomization's owner labels may be missing
 * from its inventory: such an object would never be pruned nor deleted by the finalizer. Round after
 * round, with the kill points (objects written, or a delay) drawn from a seeded generator
 * (RIVULET_CRASH_SEED repeats a run).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminClient, deleteNamespace, installTenant, serviceAccountKubeconfig, uniqueNamespace } from "../support/cluster.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { startRivulet, type AgentProcess } from "../support/agent-process.ts";
import { kustomizationProbe } from "../support/kustomization-probe.ts";
import { inventoryOf, type Inventory } from "../../agent/apply/inventory.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

/** Objects in the large set, and rounds: enough kill points inside the apply, well under two minutes. */
const OBJECTS = 120;
const ROUNDS = 12;
/** Every other round is killed after a random delay instead, to land in the status writes and prune too. */
const MAX_DELAY_MS = 1_500;
const SEED = Number(process.env.RIVULET_CRASH_SEED ?? Date.now() % 2 ** 31);

const fm = { fieldManager: "rivulet-tests" };
let admin: KubeClient;
let ns: string;
let kubeconfig: string;
let storage: string;
let git: GitServer;
let agent: AgentProcess | undefined;
const { get, when } = kustomizationProbe(() => ({ admin, namespace: ns }));

/** mulberry32: small, seedable, good enough to spread kill points. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const configMaps = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}-${i}\ndata:\n  index: "${i}"\n`).join("---\n");

function start(): AgentProcess {
  return startRivulet(["run", "--kubeconfig", kubeconfig, "--no-leader-elect", "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--storage-path", storage, "--log-level", "error"]);
}

async function kill(a: AgentProcess | undefined): Promise<void> {
  if (!a || a.child.exitCode !== null || a.child.signalCode !== null) return;
  a.child.kill("SIGKILL");
  await a.exited;
}

const setPath = (path: string) => admin.patch({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: ns, name: "app" }, { spec: { path } }, "merge");

const settled = (o: FluxObject) =>
  o.status?.observedGeneration === o.metadata.generation && o.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

/** ConfigMaps labelled as the Kustomization's. */
async function owned(): Promise<KubeObject[]> {
  const selector = `kustomize.toolkit.fluxcd.io/name=app,kustomize.toolkit.fluxcd.io/namespace=${ns}`;
  return (await admin.list({ apiVersion: "v1", kind: "ConfigMap", namespace: ns }, { labelSelector: selector })).items;
}

/** Objects with the owner labels that the inventory does not list: nothing would ever delete them. */
async function orphans(): Promise<string[]> {
  const ks = await get("app");
  const listed = new Set(((ks?.status?.inventory as Inventory | undefined)?.entries ?? []).map((e) => e.id));
  return inventoryOf(await owned()).entries.filter((e) => !listed.has(e.id)).map((e) => e.id);
}

/** Waits, polling as fast as the API answers, until `n` objects of the large set exist. */
async function largeWritten(n: number, round: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await owned()).filter((o) => o.metadata.name!.startsWith("large-")).length < n) {
    if (Date.now() > deadline) throw new Error(`round ${round}: the agent did not write ${n} objects of the large set in 30 s`);
  }
}

beforeAll(async () => {
  admin = await adminClient();
  ns = await uniqueNamespace("crash");
  await installTenant(ns);
  kubeconfig = await serviceAccountKubeconfig(ns, "rivulet");
  storage = mkdtempSync(join(tmpdir(), "rivulet-crash-"));
  git = await startGitServer();
  await git.createRepo("app", { "small/objects.yaml": configMaps("small", 3), "large/objects.yaml": configMaps("large", OBJECTS) });
  await admin.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "app", namespace: ns }, spec: { interval: "10m", url: git.url("app") } }, fm);
  await admin.apply(
    {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "app", namespace: ns },
      spec: { interval: "10m", path: "./small", prune: true, timeout: "30s", sourceRef: { kind: "GitRepository", name: "app" } },
    },
    fm,
  );
});

afterAll(async () => {
  await kill(agent);
  await git?.stop();
  rmSync(storage, { recursive: true, force: true });
  await deleteNamespace(ns);
});

describe("a crash in the middle of an apply", () => {
  test(`leaves no object outside the inventory (${ROUNDS} rounds, ${OBJECTS} objects, seed ${SEED})`, async () => {
    const next = random(SEED);
    agent = start();
    await when("app", "Ready at ./small", settled, 60_000);
    const found: Array<{ round: number; killedAt: string; orphans: number; some: string[] }> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Kill once the apply has written a random number of the large set's objects (0: before it starts),
      // or after a random delay.
      const byCount = round % 2 === 1;
      const point = Math.floor(next() * (byCount ? OBJECTS : MAX_DELAY_MS));
      await setPath("./large");
      if (byCount) await largeWritten(point, round);
      else await new Promise((r) => setTimeout(r, point));
      await kill(agent);
      const killedAt = byCount ? `${point} objects written` : `${point} ms, ${(await owned()).length} objects there`;
      await setPath("./small");
      agent = start();
      const ks = await when("app", `round ${round}: Ready at ./small after the restart`, settled, 60_000);
      expect(ks.status?.lastAppliedRevision).toBeTruthy();
      const left = await orphans();
      found.push({ round, killedAt, orphans: left.length, some: left.slice(0, 3) });
    }
    console.error(`[adversarial-crash] seed ${SEED}: ${found.map((r) => `round ${r.round} killed at ${r.killedAt}: ${r.orphans} orphans`).join("; ")}`);
    // Every round ends with the small set only, all of it in the inventory.
    expect(found.filter((r) => r.orphans > 0)).toEqual([]);
    expect((await owned()).map((o) => o.metadata.name).sort()).toEqual(["small-0", "small-1", "small-2"]);
  }, 150_000);
});
