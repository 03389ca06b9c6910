/**
 * The one Go module, wasm/helm-template/ (Helm's template engine, see its engine.go): built offline from
 * Debian's Go packages in GOPATH mode, for js/wasm and natively (the test oracle). The ~9 MB .wasm is not
 * committed: it is built into wasm/helm-template/build/ (gitignored) beside Go's own JS glue, and the
 * committed `helm-template.wasm.sha256` pins the reproducible build (-trimpath, no VCS stamp, stripped),
 * so `--check` proves the sources and the toolchain give exactly the pinned module.
 *
 * The hash holds only for the Debian versions scripts/install-deps.sh pins (Go 1.19.8, Sprig 3.2.3, ...).
 *
 * A module's oracles/<oracle>/ folders are small native programs that print what Go's own libraries
 * write (encoding/json, go-yaml v2, helm-controller's digests), so the TypeScript that must match Go byte
 * for byte is compared with Go on every test run (test/support/go-oracle.ts). They are built, vetted and
 * gofmt-checked with the module, into build/oracles/<oracle>, and never reach the .wasm.
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

/** The module's oracle programs: the folders under wasm/<name>/oracles/ holding Go sources. */
export function listGoOracles(name: string): string[] {
  const dir = join(WASM_DIR, name, "oracles");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && readdirSync(join(dir, d.name)).some((f) => f.endsWith(".go")))
    .map((d) => d.name)
    .sort();
}

/** Where the build puts an oracle's native binary. */
export function goOracleBinary(name: string, oracle: string, outDir = goOutDir(name)): string {
  return join(outDir, "oracles", oracle);
}

/** The Go sources of the module and of its oracles (tests excluded: they do not reach a binary). */
export function goSources(name: string): string[] {
  const dirs = [join(WASM_DIR, name), ...listGoOracles(name).map((o) => join(WASM_DIR, name, "oracles", o))];
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
      .sort()
      .map((f) => join(dir, f)),
  );
}

/** True when the built .wasm, native engine, oracles and glue are newer than every Go source. */
export function goBuildIsFresh(name: string): boolean {
  const out = [
    join(goOutDir(name), `${name}.wasm`),
    join(goOutDir(name), `${name}-native`),
    join(goOutDir(name), "wasm_exec.js"),
    ...listGoOracles(name).map((o) => goOracleBinary(name, o)),
  ];
  if (!out.every(existsSync)) return false;
  const oldestOut = Math.min(...out.map((f) => statSync(f).mtimeMs));
  return goSources(name).every((f) => statSync(f).mtimeMs < oldestOut);
}

/**
 * Runs fn in a throwaway GOPATH holding a copy of the module's sources (tests and oracles too), so the
 * import path, and with -trimpath every file name in the binary, is the same wherever the repository lives.
 */
function inGopath<T>(name: string, fn: (pkg: string, go: (args: string[], env?: Record<string, string>) => string) => T): T {
  const gopath = mkdtempSync(join(tmpdir(), "rivulet-gopath-"));
  try {
    const pkg = join(gopath, "src", name);
    mkdirSync(pkg, { recursive: true });
    const copyGo = (from: string, to: string) => {
      mkdirSync(to, { recursive: true });
      for (const f of readdirSync(from).filter((f) => f.endsWith(".go"))) copyFileSync(join(from, f), join(to, f));
    };
    copyGo(join(WASM_DIR, name), pkg);
    for (const o of listGoOracles(name)) copyGo(join(WASM_DIR, name, "oracles", o), join(pkg, "oracles", o));
    const base = { ...process.env, GO111MODULE: "off", GOPATH: `${gopath}:${GO_LIBRARIES}`, GOFLAGS: "", CGO_ENABLED: "0" };
    const go = (args: string[], env: Record<string, string> = {}) => {
      try {
        return execFileSync("go", args, { cwd: pkg, env: { ...base, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      } catch (err) {
        const out = `${(err as { stdout?: unknown }).stdout ?? ""}${(err as { stderr?: unknown }).stderr ?? ""}`;
        throw new Error(`Cannot run go ${args[0]} on the Go module ${name}: ${out || (err as Error).message} (install Go and its libraries: scripts/install-deps.sh)`, { cause: err });
      }
    };
    return fn(pkg, go);
  } finally {
    rmSync(gopath, { recursive: true, force: true });
  }
}

/**
 * Builds `<name>.wasm`, `<name>-native` and the oracles (oracles/<oracle>), and copies `wasm_exec.js` into
 * outDir; returns the wasm's sha256.
 */
export function buildGoModule(name: string, outDir: string): string {
  return inGopath(name, (_pkg, go) => {
    mkdirSync(outDir, { recursive: true });
    const flags = ["build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o"];
    const wasm = join(outDir, `${name}.wasm`);
    go([...flags, wasm, "."], { GOOS: "js", GOARCH: "wasm" });
    go([...flags, join(outDir, `${name}-native`), "."]);
    for (const o of listGoOracles(name)) go([...flags, goOracleBinary(name, o, outDir), `./oracles/${o}`]);
    copyFileSync(join(go(["env", "GOROOT"]).trim(), "misc", "wasm", "wasm_exec.js"), join(outDir, "wasm_exec.js"));
    return sha256(readFileSync(wasm));
  });
}

/** The module and its oracles read as Go: gofmt and go vet are clean and its table tests pass. Returns what is not. */
export function lintAndTestGoModule(name: string): string[] {
  return inGopath(name, (pkg, go) => {
    const problems: string[] = [];
    const unformatted = execFileSync("gofmt", ["-l", "."], { cwd: pkg, encoding: "utf8" }).trim();
    if (unformatted) problems.push(`wasm/${name}: gofmt would change ${unformatted.split("\n").join(", ")}`);
    for (const args of [["vet", "./..."], ["test", "-count=1", "./..."]]) {
      try {
        go(args);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    return problems;
  });
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
