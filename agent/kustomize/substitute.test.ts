import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { emitDocuments } from "../yaml/emit.ts";
import { envsubst, mergeVars, substituteResource, SubstitutionError } from "./substitute.ts";

const vars = { NAME: "web", EMPTY: "", PATH_V: "/usr/local/bin", FILE: "archive.tar.gz", MIXED: "Hello World" };

describe("envsubst evaluates Flux's syntax", () => {
  test.each([
    ["${NAME}", "web"],
    ["pre-${NAME}-post", "pre-web-post"],
    ["${UNSET}", ""],
    ["${#NAME}", "3"],
    ["${NAME^}", "Web"],
    ["${NAME^^}", "WEB"],
    ["${MIXED,}", "hello World"],
    ["${MIXED,,}", "hello world"],
    ["${NAME:1}", "eb"],
    ["${NAME:0:2}", "we"],
    ["${FILE#*.}", "tar.gz"],
    ["${FILE##*.}", "gz"],
    ["${FILE%.*}", "archive.tar"],
    ["${FILE%%.*}", "archive"],
    ["${UNSET-dflt}", "dflt"],
    ["${EMPTY-dflt}", ""],
    ["${EMPTY:-dflt}", "dflt"],
    ["${UNSET:=set}", "set"],
    ["${UNSET=set}", "set"],
    ["${NAME:-dflt}", "web"],
    ["${UNSET:-${NAME}}", "web"],
    ["${PATH_V/usr/opt}", "/opt/local/bin"],
    ["${PATH_V//\\//_}", "_usr_local_bin"],
    ["${NAME/#w/W}", "Web"],
    ["${NAME/%b/B}", "weB"],
    ["$NAME stays", "$NAME stays"],
    ["$${NAME} escapes", "${NAME} escapes"],
    ["cost: $5", "cost: $5"],
  ])("%s -> %s", (input, want) => {
    expect(envsubst(input, { ...vars })).toBe(want);
  });

  test("strict mode fails on an undefined variable without a default", () => {
    expect(() => envsubst("${NOPE}", {}, true)).toThrow('variable not set (strict mode): "NOPE"');
    expect(envsubst("${NOPE:=ok}", {}, true)).toBe("ok");
  });

  test("text without ${ comes back unchanged", () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes("${") && !s.includes("$$")), (s) => envsubst(s, { A: "x" }) === s));
  });

  test("a defined variable always expands to its value", () => {
    fc.assert(fc.property(fc.stringMatching(/^[_a-zA-Z][_a-zA-Z0-9]{0,10}$/), fc.string(), (name, value) => envsubst(`\${${name}}`, { [name]: value }) === value));
  });
});

describe("mergeVars follows Flux's precedence and rules", () => {
  test.each([
    ["later substituteFrom wins", [{ A: "1" }, { A: "2" }], undefined, { A: "2" }],
    ["inline wins over all", [{ A: "1" }], { A: "inline" }, { A: "inline" }],
    ["newlines are stripped", [{ A: "a\nb\n" }], undefined, { A: "ab" }],
    ["sources merge", [{ A: "1" }, { B: "2" }], { C: "3" }, { A: "1", B: "2", C: "3" }],
  ])("%s", (_n, from, inline, want) => {
    expect(mergeVars(from as Record<string, string>[], inline as Record<string, string> | undefined)).toEqual(want);
  });
  test.each(["1ABC", "A-B", "a.b", ""])("rejects the variable name %p", (name) => {
    expect(() => mergeVars([], { [name]: "x" })).toThrow(SubstitutionError);
  });
});

describe("substituteResource", () => {
  const cm = (meta: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", ...meta }, data: { v: "${X:=fallback}", n: "${N}" } });
  test.each([
    ["substitutes when variables exist", cm(), { N: "1" }, { v: "fallback", n: 1 }],
    ["does nothing when the variable map is empty (Flux quirk)", cm(), {}, { v: "${X:=fallback}", n: "${N}" }],
    ["skips a resource labelled disabled", cm({ labels: { "kustomize.toolkit.fluxcd.io/substitute": "disabled" } }), { N: "1" }, { v: "${X:=fallback}", n: "${N}" }],
    ["skips a resource annotated disabled", cm({ annotations: { "kustomize.toolkit.fluxcd.io/substitute": "disabled" } }), { N: "1" }, { v: "${X:=fallback}", n: "${N}" }],
    ["substitutes when the label has another value", cm({ labels: { "kustomize.toolkit.fluxcd.io/substitute": "enabled" } }), { N: "1" }, { v: "fallback", n: 1 }],
  ])("%s", (_n, obj, vars, want) => {
    expect(substituteResource(obj, vars, emitDocuments).data).toEqual(want);
  });
  test("a substituted number reads back as a number, as in Flux (values need quoting to stay strings)", () => {
    const out = substituteResource({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { n: "${N}", q: "'${N}'" } }, { N: "5" }, emitDocuments);
    expect(out.data).toEqual({ n: 5, q: "'5'" });
  });
  test("strict mode names the resource", () => {
    expect(() => substituteResource({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { n: "${MISSING}" } }, { N: "5" }, emitDocuments, true)).toThrow("ConfigMap.v1.[noGrp]/c.[noNs] var substitution failed");
  });
});
