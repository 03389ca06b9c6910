import { describe, expect, test } from "bun:test";
import { expandVars } from "./vars.ts";
import { kustomizeBuild } from "./build.ts";
import { textFileTree } from "../artifact/file-tree.ts";

// Expectations below were printed by `kubectl kustomize` (kustomize v5.5.0) for the same strings.
const values: Record<string, unknown> = { X: "p", N: 80, B: true, F: 0.25, M: "$(M)" };
const lookup = (name: string) => (name in values ? values[name] : `$(${name})`);

describe("expandVars follows kustomize's $(VAR) expansion", () => {
  test.each([
    ["exact reference keeps the type", "$(N)", 80],
    ["exact bool", "$(B)", true],
    ["exact float", "$(F)", 0.25],
    ["inside a string becomes text", "--port=$(N)", "--port=80"],
    ["float inside a string", "a$(B)b$(F)", "atrueb0.25"],
    ["unknown stays", "$(NOPE)", "$(NOPE)"],
    ["unknown inside a string stays", "x$(NOPE)y", "x$(NOPE)y"],
    ["$$ escapes", "$$(X)", "$(X)"],
    ["unclosed reference", "$(X", "$(X"],
    ["lone dollar", "$", "$"],
    ["mixed", "x$y$(X)$$$(X)z$", "x$yp$pz$"],
    ["no references", "plain", "plain"],
  ])("%s", (_n, input, want) => {
    expect(expandVars(input, lookup)).toEqual(want);
  });
});

describe("vars substitution errors carry kustomize's text", () => {
  const kust = "resources: [r.yaml]\nvars:\n- name: X\n  objref: {kind: Deployment, name: p, group: apps, version: v1}\n";
  test("a non-string list item at a varReference field", async () => {
    const r = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: p}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        args: [\"$(X)\", 5]\n";
    await expect(kustomizeBuild(textFileTree({ "kustomization.yaml": kust, "r.yaml": r }), "")).rejects.toThrow(
      "Cannot build kustomization.yaml: considering field 'spec/template/spec/containers/args' of object Deployment.v1.apps/p.[noNs]: visit traversal on path: [args]: invalid value type expect a string",
    );
  });
});
