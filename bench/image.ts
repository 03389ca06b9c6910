/**
 * The agent image's figures (bench/image.md): build time cold and cached (scripts/build-image.sh with
 * buildah), image and executable sizes (uncompressed, and the gzip layer as pushed), and start-up time
 * of the compiled executable against Bun running the sources, on the host and as the image's entrypoint
 * under `buildah run`. Start-up is `rivulet version` (process start, no agent modules) and
 * `rivulet run --help` (loads the agent's whole `run` module graph). Run: bun bench/image.ts
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const env = { ...process.env, STORAGE_DRIVER: "vfs", BUILDAH_ISOLATION: "chroot" };
const RUNS = 10;
const mib = (n: number) => (n / 1048576).toFixed(1);

function timed(cmd: string, args: string[]): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { env, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return performance.now() - t;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sample = (cmd: string, args: string[]) => median(Array.from({ length: RUNS }, () => timed(cmd, args)));

// Cold: untag the input-hash tag so the script builds again; then cached.
const tag = execFileSync("bash", [join(root, "scripts/build-image.sh")], { env, encoding: "utf8" }).trim().split("\n").pop()!;
spawnSync("buildah", ["rmi", tag], { env });
const cold = timed("bash", [join(root, "scripts/build-image.sh")]);
const cached = timed("bash", [join(root, "scripts/build-image.sh")]);

const c = execFileSync("buildah", ["from", "--pull-never", tag], { env, encoding: "utf8" }).trim();
const mnt = execFileSync("buildah", ["mount", c], { env, encoding: "utf8" }).trim();
const exe = statSync(join(mnt, "usr/local/bin/rivulet")).size;
const unpacked = Number(execFileSync("du", ["-sb", mnt], { encoding: "utf8" }).split("\t")[0]);
const ociDir = mkdtempSync(join(tmpdir(), "rivulet-image-oci-"));
execFileSync("buildah", ["push", "--quiet", tag, `oci:${ociDir}`], { env });
const blobs = join(ociDir, "blobs", "sha256");
const pushed = readdirSync(blobs).reduce((n, f) => n + statSync(join(blobs, f)).size, 0);
rmSync(ociDir, { recursive: true, force: true });

const compiled = join(mnt, "usr/local/bin/rivulet");
const bun = join(root, "node_modules/.bin/bun");
const main = join(root, "agent/main.ts");
const rows = [
  ["compiled executable (host)", sample(compiled, ["version"]), sample(compiled, ["run", "--help"])],
  ["bun + sources (host)", sample(bun, [main, "version"]), sample(bun, [main, "run", "--help"])],
  ["image entrypoint (buildah run)", sample("buildah", ["run", "--isolation", "chroot", c, "--", "/usr/local/bin/rivulet", "version"]), sample("buildah", ["run", "--isolation", "chroot", c, "--", "/usr/local/bin/rivulet", "run", "--help"])],
] as const;
execFileSync("buildah", ["umount", c], { env });
execFileSync("buildah", ["rm", c], { env });

console.log(`build: cold ${(cold / 1000).toFixed(1)} s, cached ${(cached / 1000).toFixed(2)} s`);
console.log(`sizes: executable ${mib(exe)} MiB, image unpacked ${mib(unpacked)} MiB, pushed (gzip layer + config + manifest) ${mib(pushed)} MiB`);
console.log(`| start-up (median of ${RUNS}) | rivulet version | rivulet run --help |`);
console.log("|---|---:|---:|");
for (const [name, v, r] of rows) console.log(`| ${name} | ${v.toFixed(0)} ms | ${r.toFixed(0)} ms |`);
