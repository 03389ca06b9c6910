/**
 * The Go oracles (wasm/helm-template/oracles/): native programs that print what Go's own libraries write,
 * so a unit test compares rivulet's TypeScript with Go on every run instead of with answers recorded once.
 *
 * Each oracle reads a JSON array of inputs on stdin and prints a JSON array of outputs, one per input. Its
 * outputs are also recorded beside the inputs (`npm run record:oracles` rewrites them), for a checkout
 * where the oracle is not built yet: there the tests compare with the recording and say so in their names.
 * CI builds the oracles (scripts/install-deps.sh), so there a missing build fails a test instead.
 */
import fc from "fast-check";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { goOracleBinary } from "../../wasm/go-module.ts";

const REPO = join(import.meta.dirname, "..", "..");

/** The Helm release fixtures helm-controller's tests store (outside the repository, never copied in). */
export const helmReleaseFixtures = join(REPO, "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");

/** Where each oracle's inputs come from and where its recorded outputs live, relative to the repository. */
export const GO_ORACLES = {
  "go-json": {
    /** Values: random ones from fast-check, plus HTML, separators, controls, surrogates, extreme floats. */
    inputs: () => readFileSync(join(REPO, "agent/core/testdata/go-json/values.json"), "utf8"),
    recorded: "agent/core/testdata/go-json/recorded.json",
  },
  "go-yaml-v2": {
    /** Values: random ones from fast-check and hand-picked hard ones. */
    inputs: () => readFileSync(join(REPO, "agent/yaml/testdata/go-yaml-v2/values.json"), "utf8"),
    recorded: "agent/yaml/testdata/go-yaml-v2/recorded.json",
  },
  "go-strconv-regexp": {
    /** Hand-picked and generated (fast-check, seed 22) ParseFloat texts and ExpandString cases. */
    inputs: () => readFileSync(join(REPO, "agent/core/testdata/go-strconv-regexp/values.json"), "utf8"),
    recorded: "agent/core/testdata/go-strconv-regexp/recorded.json",
  },
  "helm-release-observation": {
    /** The stored releases of helm-controller's tests, by name. */
    inputs: () => JSON.stringify(observedReleases.map((name) => ({ release: readFileSync(join(helmReleaseFixtures, name), "utf8") }))),
    recorded: "agent/reconcile/testdata/helm-release-observation/recorded.json",
  },
} as const;

export const observedReleases = ["istio-base-1", "podinfo-helm-1", "prom-stack-1"] as const;

export type GoOracleName = keyof typeof GO_ORACLES;

export interface GoOracle {
  name: GoOracleName;
  binary: string;
  /** Whether the oracle's binary is built (`npm run build:wasm`). */
  built: boolean;
  /** Says in a test name where the expected outputs come from. */
  source: string;
  /** Runs the oracle on its inputs (JSON text, or a value to encode) and returns its outputs. */
  run(inputs: string | readonly unknown[]): unknown[];
  /** The recorded outputs for the oracle's own inputs. */
  recorded(): unknown[];
  /** The oracle's outputs for its own inputs: live when it is built, else the recorded ones. */
  expected(): unknown[];
}

export function goOracle(name: GoOracleName): GoOracle {
  const binary = goOracleBinary("helm-template", name);
  const built = existsSync(binary);
  const spec = GO_ORACLES[name];
  const oracle: GoOracle = {
    name,
    binary,
    built,
    source: built ? "Go, live" : "recorded: the Go oracle is not built",
    run(inputs) {
      const text = typeof inputs === "string" ? inputs : JSON.stringify(inputs);
      const out = execFileSync(binary, { input: text, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["pipe", "pipe", "pipe"] });
      return JSON.parse(out) as unknown[];
    },
    recorded: () => JSON.parse(readFileSync(join(REPO, spec.recorded), "utf8")) as unknown[],
    expected: () => (built ? oracle.run(spec.inputs()) : oracle.recorded()),
  };
  return oracle;
}

/** A JSON array with one element per line: reviewable diffs, and the exact text JSON.stringify gives each. */
export function jsonLines(items: readonly unknown[]): string {
  return `[\n${items.map((v) => JSON.stringify(v)).join(",\n")}\n]\n`;
}

/** Runs the oracle on its inputs and rewrites its recorded outputs; returns the file written. */
export function recordGoOracle(name: GoOracleName): string {
  const oracle = goOracle(name);
  if (!oracle.built) throw new Error(`Cannot record the Go oracle ${name}: ${oracle.binary} is missing (run npm run build:wasm)`);
  writeFileSync(join(REPO, GO_ORACLES[name].recorded), jsonLines(oracle.run(GO_ORACLES[name].inputs())));
  return GO_ORACLES[name].recorded;
}

/**
 * The first input whose output differs from Go's, with both outputs, or nothing: for a property test over
 * a batch of generated inputs (one oracle run), so a failure shows the input to reproduce it with.
 */
export function firstMismatch(inputs: readonly unknown[], ours: readonly unknown[], go: readonly unknown[]): Array<{ input: unknown; ours: unknown; go: unknown }> {
  const i = inputs.findIndex((_, i) => JSON.stringify(ours[i]) !== JSON.stringify(go[i]));
  return i < 0 && ours.length === go.length ? [] : [{ input: inputs[i], ours: ours[i], go: go[i] }];
}

/**
 * JSON values as Go's decoder reads them (null, bool, float64 up to the extremes, integers to 2^53,
 * strings, arrays, objects) whose strings and keys come from `text`, for property tests against an oracle.
 * Keys lose lone surrogates: Go reads each as U+FFFD, so two keys that differ only there are one in Go.
 */
export function goJsonValue(text: fc.Arbitrary<string>, maxItems = 3): fc.Arbitrary<unknown> {
  const key = goJsonKey(text);
  return fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.integer({ min: -(2 ** 53), max: 2 ** 53 }),
      text,
      fc.array(tie("v"), { maxLength: maxItems }),
      fc.dictionary(key, tie("v"), { maxKeys: maxItems }),
    ),
  })).v;
}

/** Map keys from `text` without lone surrogates (see goJsonValue). */
export function goJsonKey(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return text.map((s) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, ""));
}
