/**
 * A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8.2) on 127.0.0.1 with a temp
 * storage directory, optionally behind htpasswd basic auth. `restart()` stops and starts it on the same
 * port and storage (for "the registry restarted" cases); `stop()` removes the storage. The registry has no
 * referrers API, so signatures found as referrers use the `sha256-<hex>` tag fallback.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MEDIA } from "../../agent/source/oci/media-types.ts";
import { RegistryClient } from "../../agent/source/oci/registry-client.ts";
import { freePort } from "../../agent/devtools/local-control-plane.ts";

export interface TestRegistry {
  /** `127.0.0.1:PORT`, the host part of `oci://` URLs. */
  host: string;
  /** Basic-auth user and password when started with `auth`. */
  username?: string;
  password?: string;
  /** The storage directory (blobs live under docker/registry/v2/blobs). */
  storage: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const BINARY = "/usr/bin/docker-registry";

export function requireRegistryBinary(): void {
  if (!existsSync(BINARY)) {
    throw new Error(`Cannot start the test registry: ${BINARY} is missing (apt-get install docker-registry)`);
  }
}

export async function startRegistry(options: { auth?: boolean } = {}): Promise<TestRegistry> {
  requireRegistryBinary();
  const dir = mkdtempSync(join(tmpdir(), "rivulet-registry-"));
  const storage = join(dir, "data");
  const port = await freePort();
  const username = options.auth ? "tenant" : undefined;
  const password = options.auth ? "s3cret-pass" : undefined;
  let authBlock = "";
  if (options.auth) {
    const htpasswd = join(dir, "htpasswd");
    const r = spawnSync("htpasswd", ["-Bbc", htpasswd, username!, password!], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`Cannot create the htpasswd file: ${r.stderr || r.error?.message} (apt-get install apache2-utils)`);
    authBlock = `auth:\n  htpasswd:\n    realm: rivulet-test\n    path: ${htpasswd}\n`;
  }
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storage}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:${port}
${authBlock}`,
  );
  const host = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(BINARY, ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += String(d)));
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`Cannot start the test registry: it exited with ${child.exitCode}: ${stderr}`);
      try {
        const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
        await res.body?.cancel();
        if (res.status === 200 || res.status === 401) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`Cannot start the test registry: ${host} did not answer within 15 s: ${stderr}`);
  };
  const halt = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    host,
    username,
    password,
    storage,
    async restart() {
      await halt();
      await start();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Pushes a small Flux artifact (one content layer, an empty config) to a fresh repository of `reg` and
 * tags it v1: the subject signature tests sign and verify. Returns its client, digest and manifest size.
 */
export async function pushSmallArtifact(reg: TestRegistry, repository: string): Promise<{ client: RegistryClient; digest: string; size: number }> {
  const enc = new TextEncoder();
  const client = new RegistryClient({ host: reg.host, repository, fetch, insecure: true });
  const layer = await client.pushBlob(enc.encode(`layer of ${repository}`));
  const cfg = await client.pushBlob(enc.encode("{}"));
  const manifest = enc.encode(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.fluxConfig, digest: cfg.digest, size: cfg.size },
    layers: [{ mediaType: MEDIA.fluxContent, digest: layer.digest, size: layer.size }],
  }));
  const digest = await client.putManifest("v1", manifest, MEDIA.ociManifest);
  return { client, digest, size: manifest.length };
}
