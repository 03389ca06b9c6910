/**
 * bin/rivulet runs the executable `npm run build:bin` compiles when it is fresh for the sources, so that
 * executable must print what the sources print: a kustomize build and a Helm template (which reads the
 * WASM engine from share/rivulet/ beside the executable) run both ways and compared byte for byte.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const launcher = join(root, "bin/rivulet");
const engineBuilt = existsSync(join(root, "wasm/helm-template/build/helm-template.wasm"));
/** The compiled executable's cache, private to this file (made in beforeAll, so a filtered run leaves none). */
let cache = "";

function run(argv: string[], env: Record<string, string> = {}) {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: root, encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, RIVULET_CACHE: cache, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("the launcher's key changes with any source, the lockfile or the engine, and not with a test file", () => {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-bin-key-"));
  try {
    mkdirSync(join(dir, "agent/core"), { recursive: true });
    mkdirSync(join(dir, "wasm/helm-template/build"), { recursive: true });
    for (const f of ["agent/core/a.ts", "agent/core/a.test.ts", "package.json", "package-lock.json", "wasm/helm-template/build/helm-template.wasm"]) writeFileSync(join(dir, f), "x");
    const key = () => run(["sh", "-c", `. "${root}/scripts/bin-key.sh" && rivulet_bin_stat_key "$0"`, dir]).out;
    const first = key();
    expect(first).toMatch(/^\d+-\d+\n$/);
    writeFileSync(join(dir, "agent/core/a.test.ts"), "a test edited");
    expect(key()).toBe(first);
    const seen = new Set([first]);
    for (const f of ["agent/core/a.ts", "package-lock.json", "wasm/helm-template/build/helm-template.wasm"]) {
      utimesSync(join(dir, f), new Date(), new Date(Date.now() + 60_000));
      const k = key();
      expect(seen.has(k)).toBe(false);
      seen.add(k);
    }
    writeFileSync(join(dir, "agent/core/b.ts"), "a new module");
    expect(seen.has(key())).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.skipIf(!engineBuilt)("the compiled rivulet", () => {
  let exe = "";
  beforeAll(() => {
    cache = mkdtempSync(join(tmpdir(), "rivulet-bin-cache-"));
    const r = run(["bash", join(root, "scripts/build-bin.sh"), "--print-path"]);
    if (r.code !== 0) throw new Error(`build:bin failed: ${r.err}`);
    exe = r.out.trim();
  }, 180_000);
  afterAll(() => rmSync(cache, { recursive: true, force: true }));

  test("is what bin/rivulet runs once built, and RIVULET_FROM_SOURCE=1 runs the sources", () => {
    expect(exe.startsWith(join(cache, "bin") + "/")).toBe(true);
    expect(run([launcher, "version"]).out).toMatch(/^rivulet \S+ \(bun \S+, compiled\)\n$/);
    expect(run([launcher, "version"], { RIVULET_FROM_SOURCE: "1" }).out).toMatch(/^rivulet \S+ \(bun \S+\)\n$/);
  });

  // [what, argv, exit code]
  const cases: Array<[string, string[], number]> = [
    ["a kustomization with builtin generators", ["build", "agent/kustomize/testdata/47-builtin-generators"], 0],
    ["a kustomization with vars and configurations", ["build", "agent/kustomize/testdata/64-vars-bases-configurations"], 0],
    ["a Helm chart with subcharts and CRDs", ["template", "shop", "agent/helm/testdata/shop", "--include-crds", "--namespace", "prod"], 0],
    ["a refusal (missing directory)", ["build", "agent/kustomize/testdata/no-such-dir"], 2],
  ];
  test.each(cases)("prints what the sources print for %s", (_name, argv, code) => {
    const compiled = run([exe, ...argv]);
    const source = run([launcher, ...argv], { RIVULET_FROM_SOURCE: "1" });
    expect(compiled).toEqual(source);
    expect(source.code).toBe(code);
    expect(code === 0 ? source.out : source.err).toMatch(code === 0 ? /^apiVersion: |\n---\n/ : /^Error: /);
  }, 60_000);
});
