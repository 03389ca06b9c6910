/**
 * Starts a real, node-less Kubernetes control plane on loopback: etcd, kube-apiserver and
 * kube-controller-manager, built from Debian's source package by scripts/install-control-plane.sh
 * (DESIGN.md "Real components"). Used by the tests and by `rivulet demo`.
 *
 * - Free loopback ports and a fresh data directory per start; static bearer tokens for an admin in
 *   system:masters and for unprivileged tenant identities; RBAC on.
 * - Every component runs under a small bash guard that kills it when our stdin pipe closes, so the
 *   components die with this process even when it is SIGKILLed: no strays.
 * - A component that does not come up within its timeout is reported with the tail of its log.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

export const K8S_VERSION = "1.20.5+really1.20.2";
/** Must match BUILD_ID in scripts/install-control-plane.sh (the cache key of the patched build). */
export const BUILD_ID = `${K8S_VERSION}-p1`;

export const DEFAULTS = {
  etcdReadyMs: 30_000,
  apiserverReadyMs: 90_000,
  controllerManagerReadyMs: 90_000,
  stopGraceMs: 5_000,
};

export interface Identity {
  user: string;
  token: string;
  kubeconfig: string;
}

export interface LocalControlPlane {
  server: string;
  /** PEM of the API server's CA (the self-signed bundle it wrote to its cert dir). */
  caFile: string;
  dir: string;
  admin: Identity;
  tenants: Identity[];
  /** etcd's client URL (http, no auth), for what only etcd can do: compaction (bench/watch-expiry.ts). */
  etcdUrl: string;
  /**
   * Stops kube-apiserver and starts it again (after `downMs`, default at once) with the same flags and
   * port, resolving once it is ready:
   * every watch breaks, and the new server's watch cache starts at etcd's current revision.
   */
  restartApiserver(opts?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Names of unprivileged users to create tokens for (no RBAC grants: tests bind them). */
  tenants?: string[];
  /** Progress lines for people: "starting etcd", ... */
  log?: (line: string) => void;
  /** Where the binaries are; default: build or reuse the cached ones. */
  binDir?: string;
  /** Keep the data dir after stop (debugging). */
  keep?: boolean;
  /**
   * More kube-apiserver flags, after the defaults (a later flag wins), e.g. an audit log for a
   * benchmark's anatomy of the API server's work (bench/apiserver-anatomy.ts). None by default.
   */
  apiserverFlags?: string[];
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function cacheBinDir(): string {
  const cache = process.env.RIVULET_CACHE ?? join(homedir(), ".cache", "rivulet");
  return join(cache, `kubernetes-${BUILD_ID}`, "bin");
}

/** Returns the directory holding kube-apiserver and kube-controller-manager, building them if needed. */
export async function ensureBinaries(log: (line: string) => void): Promise<string> {
  const bin = cacheBinDir();
  if (existsSync(join(bin, "kube-apiserver")) && existsSync(join(bin, "kube-controller-manager"))) return bin;
  log(`control-plane binaries not cached in ${bin}: building them from Debian's kubernetes source (several minutes)`);
  const script = join(repoRoot, "scripts", "install-control-plane.sh");
  const child = spawn("bash", [script], { stdio: ["ignore", "pipe", "pipe"] });
  let last = "";
  child.stdout!.on("data", (d: Uint8Array) => (last += String(d)));
  child.stderr!.on("data", (d: Uint8Array) => {
    for (const line of String(d).split("\n")) if (line.trim()) log(line);
  });
  const code: number = await new Promise((res) => child.on("close", (c) => res(c ?? 1)));
  if (code !== 0) throw new Error(`Cannot build the control plane: ${script} exited with code ${code}`);
  return last.trim().split("\n").pop() ?? bin;
}

/** Ports this process has handed out: never handed out twice. */
const handedOut = new Set<number>();
/** Below Linux's default ephemeral range (32768-60999), so no bind(0) or outgoing connection takes them. */
const PORT_RANGE = { from: 20000, to: 32000 };

/**
 * A TCP port on 127.0.0.1 for a server that must be told its port (etcd, kube-apiserver,
 * docker-registry). Taken at random from below the kernel's ephemeral range and checked free: a port the
 * kernel picks for `listen(0)` is closed again before the server binds it, and in that window any other
 * process's `listen(0)` or connect may get the same one; a port outside the range can only collide with
 * another explicit pick that happens in the same moment.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from));
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`Cannot find a free TCP port on 127.0.0.1 between ${PORT_RANGE.from} and ${PORT_RANGE.to} after 100 tries`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => res(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => res(true)));
  });
}

// bash guard: the component gets /dev/null as stdin; a background reader on our pipe (fd 3) kills it
// when the pipe closes, which happens on stop() and when this process dies for any reason.
const GUARD = 'exec 3<&0; "$@" </dev/null & c=$!; { read -r _ <&3; kill -TERM $c 2>/dev/null; sleep 5; kill -KILL $c 2>/dev/null; } & w=$!; wait $c; rc=$?; kill $w 2>/dev/null; exit $rc';

interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number>;
}

function startProc(name: string, cmd: string, args: string[], dir: string): Proc {
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn("bash", ["-c", GUARD, name, cmd, ...args], { stdio: ["pipe", fd, fd] });
  const exited = new Promise<number>((res) => child.on("exit", (code, sig) => res(code ?? (sig ? 128 : 1))));
  return { name, child, logFile, exited };
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function waitFor(proc: Proc, what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  proc.exited.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`Cannot start ${proc.name}: it exited before ${what}; last log lines:\n${tail(proc.logFile)}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Cannot start ${proc.name}: not ${what} after ${timeoutMs / 1000}s; last log lines:\n${tail(proc.logFile)}`);
}

function httpsGet(url: string, ca: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request(url, { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 5000 }, (r) => {
      let body = "";
      r.on("data", (d: Uint8Array) => (body += String(d)));
      r.on("end", () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on("error", rej);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

function kubeconfig(server: string, caFile: string, user: string, token: string, namespace?: string): string {
  // JSON is valid YAML; every kubeconfig loader reads it.
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "rivulet-local", cluster: { server, "certificate-authority-data": btoa(readFileSync(caFile, "utf8")) } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: user, context: { cluster: "rivulet-local", user, ...(namespace ? { namespace } : {}) } }],
      "current-context": user,
    },
    null,
    2,
  );
}

export async function startLocalControlPlane(opts: StartOptions = {}): Promise<LocalControlPlane> {
  const log = opts.log ?? (() => {});
  const bin = opts.binDir ?? (await ensureBinaries(log));
  const dir = mkdtempSync(join(tmpdir(), "rivulet-cp-"));
  const procs: Proc[] = [];
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const p of [...procs].reverse()) {
      p.child.stdin?.end();
      const timer = setTimeout(() => p.child.kill("SIGKILL"), DEFAULTS.stopGraceMs + 2000);
      await p.exited;
      clearTimeout(timer);
    }
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const token = () => randomBytes(24).toString("hex");
    const admin = { user: "rivulet-admin", token: token() };
    const cm = { user: "rivulet-controller-manager", token: token() };
    const tenants = (opts.tenants ?? []).map((user) => ({ user, token: token() }));
    writeFileSync(
      join(dir, "tokens.csv"),
      [
        `${admin.token},${admin.user},uid-admin,"system:masters"`,
        `${cm.token},${cm.user},uid-cm,"system:masters"`,
        ...tenants.map((t, i) => `${t.token},${t.user},uid-tenant-${i}`),
      ].join("\n") + "\n",
    );
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
    writeFileSync(join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }));
    mkdirSync(join(dir, "certs"));

    log(`starting etcd on 127.0.0.1:${etcdPort}`);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = startProc("etcd", "etcd", [
      "--data-dir", join(dir, "etcd"),
      "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
      "--listen-peer-urls", `http://127.0.0.1:${peerPort}`,
      "--initial-advertise-peer-urls", `http://127.0.0.1:${peerPort}`,
      "--initial-cluster", `default=http://127.0.0.1:${peerPort}`,
      "--unsafe-no-fsync",
    ], dir);
    procs.push(etcd);
    await waitFor(etcd, "healthy", DEFAULTS.etcdReadyMs, async () => (await fetch(`${etcdUrl}/health`)).ok);

    log(`starting kube-apiserver on 127.0.0.1:${apiPort}`);
    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`, `--cert-dir=${join(dir, "certs")}`,
      `--secure-port=${apiPort}`, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
      "--insecure-port=0", `--token-auth-file=${join(dir, "tokens.csv")}`, "--authorization-mode=RBAC",
      `--service-account-key-file=${join(dir, "sa.pub")}`,
      `--service-account-signing-key-file=${join(dir, "sa.key")}`,
      "--service-account-issuer=https://kubernetes.default.svc",
      "--service-cluster-ip-range=10.96.0.0/12", "--allow-privileged=true",
      ...(opts.apiserverFlags ?? []),
    ];
    let apiserver = startProc("kube-apiserver", join(bin, "kube-apiserver"), apiserverArgs, dir);
    procs.push(apiserver);
    const server = `https://127.0.0.1:${apiPort}`;
    const caFile = join(dir, "certs", "apiserver.crt");
    const apiserverReady = (p: Proc) =>
      waitFor(p, "ready", DEFAULTS.apiserverReadyMs, async () => {
        if (!existsSync(caFile)) return false;
        const r = await httpsGet(`${server}/readyz`, readFileSync(caFile, "utf8"), admin.token);
        return r.status === 200;
      });
    await apiserverReady(apiserver);
    const restartApiserver = async (ro: { downMs?: number } = {}) => {
      const old = apiserver;
      old.child.stdin?.end();
      await old.exited;
      if (ro.downMs) await new Promise((r) => setTimeout(r, ro.downMs));
      apiserver = startProc("kube-apiserver", join(bin, "kube-apiserver"), apiserverArgs, dir);
      procs[procs.indexOf(old)] = apiserver;
      await apiserverReady(apiserver);
    };

    const write = (id: { user: string; token: string }): Identity => {
      const file = join(dir, `${id.user}.kubeconfig`);
      writeFileSync(file, kubeconfig(server, caFile, id.user, id.token));
      return { ...id, kubeconfig: file };
    };
    const adminId = write(admin);
    const cmId = write(cm);

    log("starting kube-controller-manager");
    const controllerManager = startProc("kube-controller-manager", join(bin, "kube-controller-manager"), [
      `--kubeconfig=${cmId.kubeconfig}`, `--authentication-kubeconfig=${cmId.kubeconfig}`,
      `--authorization-kubeconfig=${cmId.kubeconfig}`,
      `--service-account-private-key-file=${join(dir, "sa.key")}`, `--root-ca-file=${caFile}`,
      "--use-service-account-credentials=false",
      "--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle",
      "--leader-elect=false", "--port=0", `--secure-port=${await freePort()}`, "--bind-address=127.0.0.1",
      // The default client limit (20 requests/s) makes the controller-manager, not the system under test,
      // the bottleneck when hundreds of Deployments must become Available (bench/flux-benchmark.ts).
      "--kube-api-qps=200", "--kube-api-burst=400", "--concurrent-deployment-syncs=10", "--concurrent-replicaset-syncs=10",
    ], dir);
    procs.push(controllerManager);
    // The default ServiceAccount appearing proves the controllers run.
    await waitFor(controllerManager, "running controllers", DEFAULTS.controllerManagerReadyMs, async () => {
      const r = await httpsGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, readFileSync(caFile, "utf8"), admin.token);
      return r.status === 200;
    });
    log(`control plane ready at ${server}`);
    return { server, caFile, dir, admin: adminId, tenants: tenants.map(write), etcdUrl, restartApiserver, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Compacts etcd's history up to its current revision (through etcd's v3 JSON gateway, as
 * `etcdctl compact` does over gRPC): a watch or list from any older resourceVersion then gets 410 Gone.
 * Returns the revision compacted to.
 */
export async function compactEtcd(etcdUrl: string): Promise<number> {
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${etcdUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`Cannot compact etcd: POST ${path} answered ${r.status}: ${(await r.text()).slice(0, 200)}`);
    return (await r.json()) as { header?: { revision?: string } };
  };
  // Any read answers with the store's current revision in its header; key "\0" (base64 AA==) is one.
  const revision = Number((await post("/v3/kv/range", { key: "AA==", count_only: true })).header?.revision);
  if (!Number.isSafeInteger(revision) || revision <= 0) throw new Error(`Cannot compact etcd: no current revision in its answer`);
  await post("/v3/kv/compaction", { revision: String(revision), physical: true });
  return revision;
}
