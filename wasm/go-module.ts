/**
 * The one Go module, wasm/helm-template/ (Helm's template engine, see its engine.go): built offline from
 * Debian's Go packages in GOPATH mode, for js/wasm and natively (the test oracle). The ~9 MB .wasm is not
 * committed: it is built into wasm/helm-template/build/ (gitignored) beside Go's own JS glue, and the
 * committed `helm-template.wasm.sha256` pins the reproducible build (-trimpath, no VCS stamp, stripped),
 * so `--check` proves the sources and the toolchain give exactly the pinned module.
 *
 * The hash holds only for the Debian versions scripts/install-deps.sh pins (Go 1.19.8, Sprig 3.2.3, ...).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const WASM_DIR = dirname(fileURLToPath(import.meta.url));

/** Where Debian puts the Go libraries the module imports. */
export const GO_LIBRARIES = "/usr/share/gocode";

/** Go module folders: wasm/<name>/ holding a main_js.go. */
export function listGoModules(root = WASM_DIR): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, "main_js.go")))
    .map((d) => d.name)
    .sort();
}

/** The build output folder of a Go module (gitignored). */
export function goOutDir(name: string): string {
  return join(WASM_DIR, name, "build");
}

/** The committed file that pins the module's sha256. */
export function hashFile(name: string): string {
  return join(WASM_DIR, name, `${name}.wasm.sha256`);
}

/** The module's Go sources (tests excluded: they do not reach the binary). */
export function goSources(name: string): string[] {
  const dir = join(WASM_DIR, name);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
    .sort()
    .map((f) => join(dir, f));
}

/** True when the built .wasm, oracle and glue are newer than every Go source. */
export function goBuildIsFresh(name: string): boolean {
  const out = [join(goOutDir(name), `${name}.wasm`), join(goOutDir(name), `${name}-native`), join(goOutDir(name), "wasm_exec.js")];
  if (!out.every(existsSync)) return false;
  const oldestOut = Math.min(...out.map((f) => statSync(f).mtimeMs));
  return goSources(name).every((f) => statSync(f).mtimeMs < oldestOut);
}

/**
 * Builds `<name>.wasm`, `<name>-native` and copies `wasm_exec.js` into outDir; returns the wasm's sha256.
 * Sources are copied into a throwaway GOPATH so the import path, and with -trimpath every file name in
 * the binary, is the same wherever the repository lives.
 */
export function buildGoModule(name: string, outDir: string): string {
  const gopath = mkdtempSync(join(tmpdir(), "rivulet-gopath-"));
  try {
    const pkg = join(gopath, "src", name);
    mkdirSync(pkg, { recursive: true });
    for (const f of goSources(name)) copyFileSync(f, join(pkg, f.slice(f.lastIndexOf("/") + 1)));
    mkdirSync(outDir, { recursive: true });
    const env = { ...process.env, GO111MODULE: "off", GOPATH: `${gopath}:${GO_LIBRARIES}`, GOFLAGS: "", CGO_ENABLED: "0" };
    const flags = ["build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"];
    const go = (extraEnv: Record<string, string>, out: string) => {
      try {
        execFileSync("go", [...flags, "-o", out, "."], { cwd: pkg, env: { ...env, ...extraEnv }, stdio: ["ignore", "ignore", "pipe"] });
      } catch (err) {
        const stderr = String((err as { stderr?: unknown }).stderr ?? "");
        throw new Error(`Cannot build the Go module ${name}: ${stderr || (err as Error).message} (install Go and its libraries: scripts/install-deps.sh)`, { cause: err });
      }
    };
    const wasm = join(outDir, `${name}.wasm`);
    go({ GOOS: "js", GOARCH: "wasm" }, wasm);
    go({}, join(outDir, `${name}-native`));
    const goroot = execFileSync("go", ["env", "GOROOT"], { encoding: "utf8" }).trim();
    copyFileSync(join(goroot, "misc", "wasm", "wasm_exec.js"), join(outDir, "wasm_exec.js"));
    return sha256(readFileSync(wasm));
  } finally {
    rmSync(gopath, { recursive: true, force: true });
  }
}

/** The pinned hash, or undefined when the hash file is missing. */
export function pinnedHash(name: string): string | undefined {
  if (!existsSync(hashFile(name))) return undefined;
  return readFileSync(hashFile(name), "utf8").split(/\s/)[0];
}

/** The hash file's text: the hash, then the file name, as sha256sum writes it. */
export function hashFileText(name: string, hash: string): string {
  return `${hash}  ${name}.wasm\n`;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
