/**
 * Fields written with no value (`key:`) against written nulls (`key: null`, `~`, ...) under a strategic
 * merge patch, on random Deployments and custom resources. kustomize drops the first and keeps the second
 * in every map the patch's walk visits (all maps, and elements of lists merged by key), and keeps both in
 * objects no patch touches. The oracle is `kubectl kustomize`, run once over a handful of generated objects
 * (a process per case would be too slow), so this test runs only where kubectl is installed.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { kustomizeBuild } from "./build.ts";
import { textFileTree } from "../artifact/file-tree.ts";
import { parseDocuments } from "../yaml/parse.ts";

const hasKubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

// How a slot's value is written: empty, one of the null spellings, a string, or a flow map. An empty value
// inside a flow map is left out: kubectl writes it as "" in an object no patch walks (not handled here yet).
const slot = fc.oneof(fc.constantFrom("", " null", " ~", " Null", " NULL", " x"), fc.constantFrom(" {a: ~, b: null}", " {a: NULL, b: 1}", " {}"));

const workload = fc.record({ patched: fc.boolean(), custom: fc.boolean(), s: fc.array(slot, { minLength: 9, maxLength: 9 }) });

function document(i: number, w: { custom: boolean; s: string[] }): string {
  const [a, b, c, d, e, f, g, h, k] = w.s;
  if (w.custom) {
    return `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w${i}\n  labels:${a}\nspec:\n  size: 1\n  color:${b}\n  nested:\n    x:${c}\n    y:${d}\n  items:\n  - name: one\n    value:${e}\n    other:${f}\n  extra:${g}\n`;
  }
  return [
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d${i}\n  labels:${a}\nspec:\n  paused:${b}\n  strategy:\n    rollingUpdate:${c}\n`,
    `  template:\n    metadata:\n      labels:${d}\n    spec:\n      tolerations:\n      - key: t\n        value:${e}\n`,
    `      containers:\n      - name: app\n        image: nginx\n        resources:${f}\n        env:\n        - name: A\n          value:${g}\n`,
    `      volumes:\n      - name: v\n        emptyDir:${h}\n      affinity:\n        nodeAffinity:${k}\n`,
  ].join("");
}

function kustomization(ws: { patched: boolean; custom: boolean }[]): string {
  const names = (custom: boolean, p: string) => ws.flatMap((w, i) => (w.custom === custom && w.patched ? [`${p}${i}`] : []));
  const patch = (kind: string, apiVersion: string, spec: string, list: string[]) =>
    list.length ? `- target: {kind: ${kind}, name: "^(${list.join("|")})$"}\n  patch: |-\n    apiVersion: ${apiVersion}\n    kind: ${kind}\n    metadata: {name: any}\n    spec: ${spec}\n` : "";
  const patches = patch("Deployment", "apps/v1", "{template: {spec: {securityContext: {runAsNonRoot: true}}}}", names(false, "d")) + patch("Widget", "example.com/v1", "{size: 2}", names(true, "w"));
  return `resources: [objects.yaml]\n${patches ? `patches:\n${patches}` : ""}`;
}

describe.skipIf(!hasKubectl)("empty against null fields under a strategic merge patch", () => {
  test("random objects build as kubectl kustomize builds them", async () => {
    const samples = fc.sample(fc.array(workload, { minLength: 4, maxLength: 8 }), { numRuns: 4, seed: Date.now() });
    const dir = mkdtempSync(join(tmpdir(), "rivulet-empty-nulls-"));
    try {
      for (const ws of samples) {
        const files = { "kustomization.yaml": kustomization(ws), "objects.yaml": ws.map((w, i) => document(i, w)).join("---\n") };
        for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
        const run = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", timeout: 60_000 });
        expect(run.stderr).toBe("");
        const got = JSON.parse(JSON.stringify(await kustomizeBuild(textFileTree(files))));
        expect(got).toEqual(parseDocuments(run.stdout, "kubectl output"));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
