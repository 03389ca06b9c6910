/**
 * Runs the integration tests against one real control plane: starts it (building the binaries on the
 * first run), installs rivulet's CRDs, then runs the suite on Bun and the portable subset on Deno
 * against the same cluster, and stops everything, also on failure or Ctrl-C.
 *
 * Set RIVULET_TEST_KUBECONFIG=/path/to/kubeconfig to use an existing cluster (kind, k3d, a current
 * Kubernetes) with admin rights instead of the local control plane; tests then create and delete their
 * own namespaces there.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { startLocalControlPlane, type LocalControlPlane } from "../../agent/devtools/local-control-plane.ts";
import { connect } from "../../agent/runtime/kube-transport.ts";
import { createHttpClient } from "../../agent/kube/http-client.ts";
import { parseDocuments } from "../../agent/yaml/parse.ts";
import type { KubeObject } from "../../agent/kube/types.ts";

const root = resolve(import.meta.dir, "../..");
/** The integration files that also run on Deno: the Kubernetes client, apply, health and the controller. */
const DENO_FILES = ["kube-client", "apply", "health", "controller", "helm-release-storage", "helm-release-actions", "helm-release-upgrade", "helm-release-lifecycle", "helm-release-crds"].map((f) => `test/integration/${f}.test.ts`);
const say = (s: string) => console.error(`[integration] ${s}`);

function run(cmd: string, args: string[], env: Record<string, string>): Promise<number> {
  say(`$ ${cmd} ${args.join(" ")}`);
  const child = spawn(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  return new Promise((res) => child.on("close", (code) => res(code ?? 1)));
}

let cp: LocalControlPlane | undefined;
const dir = mkdtempSync(join(tmpdir(), "rivulet-it-"));
const cleanup = async () => {
  await cp?.stop();
  rmSync(dir, { recursive: true, force: true });
};
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));
process.on("SIGTERM", () => void cleanup().then(() => process.exit(143)));

let code = 1;
try {
  let kubeconfig = process.env.RIVULET_TEST_KUBECONFIG;
  const external = Boolean(kubeconfig);
  if (kubeconfig) {
    say(`using the existing cluster in ${kubeconfig}`);
  } else {
    const t0 = Date.now();
    cp = await startLocalControlPlane({ log: (l) => say(l) });
    kubeconfig = cp.admin.kubeconfig;
    say(`control plane up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  const server = connect({ kubeconfig }).server;
  const info = join(dir, "cluster.json");
  writeFileSync(info, JSON.stringify({ kubeconfig, server, dir, external }));

  // rivulet's own CRDs, so tests and the agent find the Flux kinds. The CRD compatibility test uses a
  // control plane of its own to swap in Flux's CRDs.
  const crdDir = join(root, "crds");
  const crdFiles = existsSync(crdDir) ? readdirSync(crdDir).filter((f) => f.endsWith(".yaml")) : [];
  if (crdFiles.length) {
    const client = createHttpClient({ transport: connect({ kubeconfig }).transport });
    for (const f of crdFiles) {
      for (const crd of parseDocuments(readFileSync(join(crdDir, f), "utf8"), f) as KubeObject[]) {
        await client.apply(crd, { fieldManager: "rivulet-tests", force: true });
      }
    }
    say(`installed ${crdFiles.length} CRDs from crds/`);
  }

  const env = { RIVULET_TEST_CLUSTER: info };
  const only = process.argv.slice(2);
  const bunCode = await run(join(root, "node_modules/.bin/bun"), ["test", "--timeout", "120000", ...(only.length ? only : ["./test/integration"])], env);
  const denoCode = only.length
    ? 0
    : await run(join(root, "node_modules/.bin/deno"), ["test", "--config", "deno.json", "--allow-all", "--no-check", ...DENO_FILES], env);
  code = bunCode || denoCode;
  say(bunCode === 0 && denoCode === 0 ? "integration tests passed on Bun and Deno" : `integration tests failed (bun exit ${bunCode}, deno exit ${denoCode})`);
} catch (err) {
  say(`Cannot run the integration tests: ${(err as Error).message}`);
} finally {
  await cleanup();
}
process.exit(code);
