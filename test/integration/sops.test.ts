/**
 * SOPS decryption end to end: sops-encrypted files in a real git server (made with agent/sops's
 * encryptor, and Flux's own kustomize-controller fixtures), a Kustomization with spec.decryption, the
 * agent composed as `rivulet run` composes it, and the real control plane. Covers: an encrypted Secret and
 * an encrypted secretGenerator env file applied decrypted, Flux's fixtures (age, PQ age, PGP, generator
 * files, patches, a component) applied decrypted, a tampered commit and a wrong key leaving the cluster at
 * the last good revision with Ready=False naming the file, a missing key Secret, and no plaintext in the
 * agent's log, its events or the Kustomization's status.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { adminClient, deleteNamespace, testCluster, uniqueNamespace } from "../support/cluster.ts";
import { diffCommand } from "../../agent/cli/diff.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { kustomizationProbe } from "../support/kustomization-probe.ts";
import { FLUX_SOPS_PLAINTEXT, fluxSopsFile, fluxSopsOverlay } from "../support/sops-fixtures.ts";
import { startAgent, type InProcessAgent } from "../support/agent-in-process.ts";
import { encryptSops } from "../../agent/sops/sops.ts";
import { unpack } from "../../agent/artifact/unpack.ts";
import type { KubeClient } from "../../agent/kube/client.ts";
import type { KubeObject } from "../../agent/kube/types.ts";
import type { FluxObject } from "../../agent/reconcile/reconciler.ts";

const KS = "kustomize.toolkit.fluxcd.io/v1";
const SRC = "source.toolkit.fluxcd.io/v1";
const fm = { fieldManager: "rivulet-tests" };
const fixture = fluxSopsFile;

let client: KubeClient;
let ns: string;
let git: GitServer;
let agent: InProcessAgent;
let storage: string;
let identity: string;
let recipient: string;

/** Plaintexts unique to this run, so a grep for them in logs and events cannot match anything else. */
const run = Math.random().toString(36).slice(2, 10);
const PLAIN = { password: `pw-${run}-one`, token: `tok-${run}-env`, next: `pw-${run}-two` };

const te = new TextEncoder();
const td = new TextDecoder();
const b64 = (s: string) => btoa(s);

async function encrypted(plain: string, format: "yaml" | "dotenv", extra: { encryptedRegex?: string } = {}): Promise<string> {
  return td.decode(await encryptSops(te.encode(plain), { format, age: [recipient], ...extra }));
}
const dbSecret = (password: string) => encrypted(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n  password: ${password}\n`, "yaml", { encryptedRegex: "^(data|stringData)$" });
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: b\n`;
const APP_KUSTOMIZATION = "resources: [db.yaml, cm.yaml]\nsecretGenerator:\n- name: app-env\n  envs: [app.env]\n";

const keysSecret = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: ns },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});
const ks = (name: string, repo: string, keys: string): KubeObject => ({
  apiVersion: KS,
  kind: "Kustomization",
  metadata: { name, namespace: ns },
  spec: { interval: "10m", path: "./", prune: true, timeout: "20s", sourceRef: { kind: "GitRepository", name: repo }, decryption: { provider: "sops", secretRef: { name: keys } } },
});
const gitRepo = (name: string): KubeObject => ({ apiVersion: SRC, kind: "GitRepository", metadata: { name, namespace: ns }, spec: { interval: "10m", url: git.url(name) } });
const { get: getKs, when: ksWhen, request } = kustomizationProbe(() => ({ admin: client, namespace: ns }));
const ready = (o: FluxObject) => o.status?.conditions?.find((c) => c.type === "Ready");
const secretData = async (name: string) => {
  const s = await client.get({ apiVersion: "v1", kind: "Secret", namespace: ns, name });
  return s ? Object.fromEntries(Object.entries((s.data ?? {}) as Record<string, string>).map(([k, v]) => [k, atob(v)])) : undefined;
};


const appliedAt = (rev: string) => (o: FluxObject) => ready(o)?.status === "True" && o.status?.lastAppliedRevision === rev && o.status?.observedGeneration === o.metadata.generation;
const failedAt = (rev: string) => (o: FluxObject) => ready(o)?.status === "False" && ready(o)?.reason === "BuildFailed" && o.status?.lastAttemptedRevision === rev;

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("sops");
  git = await startGitServer();
  storage = mkdtempSync(join(tmpdir(), "rivulet-sops-"));
  identity = await generateIdentity();
  recipient = await identityToRecipient(identity);
  agent = await startAgent(client, ns, storage);
});
afterAll(async () => {
  await agent?.stop();
  await git?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

describe("Kustomization spec.decryption", () => {
  let good = "";

  test("an encrypted Secret and an encrypted secretGenerator env file are applied decrypted", async () => {
    const c1 = await git.createRepo("app", {
      "kustomization.yaml": APP_KUSTOMIZATION,
      "db.yaml": await dbSecret(PLAIN.password),
      "app.env": await encrypted(`TOKEN=${PLAIN.token}\n`, "dotenv"),
      "cm.yaml": configMap("settings"),
    });
    good = `master@sha1:${c1}`;
    await client.apply(keysSecret("sops-keys", { "identity.agekey": `# created: test\n${identity}\n` }), fm);
    await client.apply(gitRepo("app"), fm);
    await client.apply(ks("app", "app", "sops-keys"), fm);
    await ksWhen("app", "applied", appliedAt(good));
    expect(await secretData("db")).toEqual({ password: PLAIN.password });
    const generated = (await client.list({ apiVersion: "v1", kind: "Secret", namespace: ns })).items.find((s) => s.metadata.name!.startsWith("app-env-"));
    expect(generated && (await secretData(generated.metadata.name!))).toEqual({ TOKEN: PLAIN.token });
  });

  test("a tampered commit applies nothing, keeps the last good revision and says which file failed", async () => {
    const db = await dbSecret(PLAIN.next);
    // One byte of the password's ciphertext changed: AES-GCM's tag no longer matches.
    const tampered = db.replace(/(password: ENC\[AES256_GCM,data:)(.)/, (_m, p: string, c: string) => p + (c === "A" ? "B" : "A"));
    expect(tampered).not.toBe(db);
    const c2 = await git.commit("app", { "db.yaml": tampered, "cm.yaml": configMap("settings-two") }, "tamper with db.yaml");
    await request("GitRepository", "app");
    const o = await ksWhen("app", "failed at the tampered commit", failedAt(`master@sha1:${c2}`));
    expect(ready(o)!.message).toBe(`Kustomization/${ns}/app: build of revision master@sha1:${c2} failed: Secret/db: Cannot decrypt db.yaml: the value at stringData:password: cannot be decrypted: AES-GCM authentication failed (wrong data key, or the value or its path was changed)`);
    expect(o.status!.lastAppliedRevision).toBe(good);
    expect(await secretData("db")).toEqual({ password: PLAIN.password });
    expect(await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "settings-two" })).toBeUndefined();
  });

  test("a wrong key fails naming the file and the key group; the right key then applies the new revision", async () => {
    const c3 = await git.commit("app", { "db.yaml": await dbSecret(PLAIN.next) }, "a good db.yaml again");
    const wrong = await generateIdentity();
    await client.apply(keysSecret("sops-keys", { "identity.agekey": wrong }), fm);
    await request("GitRepository", "app");
    const o = await ksWhen("app", "failed with the wrong key", failedAt(`master@sha1:${c3}`));
    expect(ready(o)!.message).toBe(`Kustomization/${ns}/app: build of revision master@sha1:${c3} failed: Cannot decrypt app.env: no key in the keyring (1 age identities, 0 OpenPGP keys) opens key group 0 (1 age, 0 pgp recipients)`);
    expect(await secretData("db")).toEqual({ password: PLAIN.password });
    await client.apply(keysSecret("sops-keys", { "identity.agekey": identity }), fm);
    await request("Kustomization", "app");
    await ksWhen("app", "applied with the right key", appliedAt(`master@sha1:${c3}`));
    expect(await secretData("db")).toEqual({ password: PLAIN.next });
  });

  test("a missing key Secret is a BuildFailed condition naming it", async () => {
    await client.apply(ks("nokeys", "app", "absent-keys"), fm);
    const o = await ksWhen("nokeys", "failed", (o) => ready(o)?.reason === "BuildFailed");
    expect(ready(o)!.message).toBe(`Kustomization/${ns}/nokeys: decryption Secret/${ns}/absent-keys not found: create it or fix spec.decryption.secretRef`);
  });

  test("a key Secret without any key entry is named in the condition", async () => {
    await client.apply(keysSecret("no-key-entries", { "readme.txt": "keys go in *.agekey entries" }), fm);
    await client.apply(ks("emptykeys", "app", "no-key-entries"), fm);
    const o = await ksWhen("emptykeys", "failed", (o) => ready(o)?.reason === "BuildFailed");
    expect(ready(o)!.message).toEndWith(`: Cannot decrypt app.env: no key in the keyring (0 age identities, 0 OpenPGP keys) opens key group 0 (1 age, 0 pgp recipients); decryption Secret/${ns}/no-key-entries holds no *.agekey or *.asc entry`);
  });

  test("Flux's kustomize-controller fixtures are applied decrypted with their age, PQ age and PGP keys", async () => {
    const files = fluxSopsOverlay();
    const c = await git.createRepo("fixtures", files);
    await client.apply(keysSecret("flux-keys", { "age.agekey": fixture("keys/age.txt"), "age-pq.agekey": fixture("keys/age-pq.txt"), "pgp.asc": fixture("keys/pgp.asc") }), fm);
    await client.apply(gitRepo("fixtures"), fm);
    await client.apply(ks("fixtures", "fixtures", "flux-keys"), fm);
    await ksWhen("fixtures", "applied", appliedAt(`master@sha1:${c}`));
    const want = Object.entries(FLUX_SOPS_PLAINTEXT).filter(([ref]) => ref.startsWith("Secret/"));
    const got: Record<string, Record<string, string> | undefined> = {};
    for (const [ref] of want) got[ref] = await secretData(ref.slice("Secret/".length));
    expect(got).toEqual(Object.fromEntries(want));
  });

  test("rivulet diff decrypts like the agent: nothing to change at the applied revision, Secret values masked", async () => {
    const { kubeconfig } = await testCluster();
    const keyFile = join(storage, "key.txt");
    writeFileSync(keyFile, identity);
    const diff = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await diffCommand.run([...args, "-n", ns, "--kubeconfig", kubeconfig], { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd: storage, signal: new AbortController().signal });
      return { code, out: out.join("\n"), err: err.join("\n") };
    };
    // Keys from the Kustomization's spec.decryption Secret, read with the caller's credentials.
    const fromCluster = await diff("kustomization", "app");
    expect(fromCluster).toMatchObject({ code: 0, err: expect.stringContaining("0 object(s) would change") });
    // A local directory, a local key: the changed password shows as a masked change.
    const local = join(storage, "local");
    mkdirSync(local);
    writeFileSync(join(local, "kustomization.yaml"), "resources: [db.yaml]\n");
    writeFileSync(join(local, "db.yaml"), await dbSecret(`${PLAIN.next}-local`));
    const masked = await diff("build", local, "--decrypt-key", keyFile);
    expect(masked.code).toBe(1);
    expect(masked.out).toContain("+  password: '*** (after)'");
    expect(masked.out).not.toContain(b64(`${PLAIN.next}-local`));
    const without = await diff("build", local);
    expect(without).toMatchObject({ code: 3, err: "Error: Secret/db is SOPS encrypted, refused before applying anything: set spec.decryption to reconcile encrypted data" });
  });

  test("no plaintext reaches the agent's log, its events, the Kustomization's status or the artifact store", async () => {
    const secrets = Object.values(PLAIN).flatMap((p) => [p, b64(p)]);
    const events = (await client.list({ apiVersion: "v1", kind: "Event", namespace: ns })).items.map((e) => JSON.stringify(e));
    const status = JSON.stringify((await getKs("app"))!.status);
    const stored: string[] = [];
    for (const f of readdirSync(storage, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".tar.gz"))) {
      for (const [path, node] of await unpack(new Uint8Array(readFileSync(join(storage, f))))) if (node.kind === "file") stored.push(`${path}\n${td.decode(node.data)}`);
    }
    expect(stored.length).toBeGreaterThan(0);
    const haystacks = { log: agent.logs.join("\n"), events: events.join("\n"), status, artifacts: stored.join("\n") };
    expect(agent.logs.length).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(0);
    for (const [where, text] of Object.entries(haystacks)) {
      expect({ where, leaked: secrets.filter((s) => text.includes(s)) }).toEqual({ where, leaked: [] });
    }
  });
});
