/**
 * The Setters strategy against Flux's own golden files (image-automation-controller's
 * internal/update/testdata and internal/policy/testdata, in ../shared/fixtures/image-setters; read its
 * SOURCE.md), and against hostile input. Skipped when ../shared/fixtures is absent.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsTreeReader } from "../runtime/artifact-fs.ts";
import { textFileTree } from "../artifact/file-tree.ts";
import { isSetterCandidate, setterValues, treePath, updateText, updateWithSetters, type PolicyImage } from "./setters.ts";
import { allChanges, changedObjects } from "./update-result.ts";

const fixtures = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "image-setters", "internal");
const haveFixtures = existsSync(fixtures);
const dec = new TextDecoder();

/** The policies of Flux's TestUpdateWithSetters (SOURCE.md's table). */
const DIGEST = "sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be";
const fluxPolicies: PolicyImage[] = [
  { namespace: "automation-ns", name: "policy", latestRef: { name: "index.repo.fake/updated", tag: "v1.0.1" } },
  { namespace: "automation-ns", name: "unchanged", latestRef: { name: "image", tag: "v1.0.0" } },
  { namespace: "automation-ns", name: "policy-with-digest", latestRef: { name: "image", tag: "v1.0.0", digest: DIGEST } },
];

/** Every file under dir, by relative path. */
function readDir(dir: string, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === "" ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) for (const [k, v] of readDir(dir, rel)) out.set(k, v);
    else if (e.isFile()) out.set(rel, readFileSync(join(dir, rel), "utf8"));
  }
  return out;
}

const written = (files: Map<string, Uint8Array>) => new Map([...files].map(([k, v]) => [k, dec.decode(v)]));

describe.skipIf(!haveFixtures)("Flux's setter golden files", () => {
  const setters = join(fixtures, "update", "testdata", "setters");

  test("the setters fixture: exactly the expected files, byte for byte", () => {
    const out = updateWithSetters(fsTreeReader(join(setters, "original")), "", fluxPolicies);
    expect(written(out.files)).toEqual(readDir(join(setters, "expected")));
  });

  test("the same with test.yaml as the dangling symlink it is upstream", () => {
    const tmp = mkdtempSync(join(tmpdir(), "setters-"));
    try {
      cpSync(join(setters, "original"), tmp, { recursive: true });
      rmSync(join(tmp, "test.yaml"), { force: true });
      symlinkSync("testing.yaml", join(tmp, "test.yaml"));
      const out = updateWithSetters(fsTreeReader(tmp), ".", fluxPolicies);
      expect(written(out.files)).toEqual(readDir(join(setters, "expected")));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("the change set is Flux's: file -> object -> changes, in file order", () => {
    const out = updateWithSetters(fsTreeReader(join(setters, "original")), "", fluxPolicies);
    const kustomization = { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", name: "", namespace: "" };
    expect(out.fileChanges).toEqual(
      new Map([
        ["Kustomization", [{ object: kustomization, changes: [
          { oldValue: "replaced", newValue: "index.repo.fake/updated", setter: "automation-ns:policy:name" },
          { oldValue: "v1", newValue: "v1.0.1", setter: "automation-ns:policy:tag" },
        ] }]],
        ["kustomization.yml", [{ object: kustomization, changes: [
          { oldValue: "replaced", newValue: "index.repo.fake/updated", setter: "automation-ns:policy:name" },
          { oldValue: "v1", newValue: "v1.0.1", setter: "automation-ns:policy:tag" },
          { oldValue: "sha256:1234567890abcdef", newValue: DIGEST, setter: "automation-ns:policy-with-digest:digest" },
          { oldValue: "image", newValue: `image:v1.0.0@${DIGEST}`, setter: "automation-ns:policy-with-digest" },
        ] }]],
        ["marked.yaml", [{ object: { apiVersion: "batch/v1beta1", kind: "CronJob", name: "foo", namespace: "bar" }, changes: [
          { oldValue: "image:v1.0.0", newValue: "index.repo.fake/updated:v1.0.1", setter: "automation-ns:policy" },
        ] }]],
      ]),
    );
    // Objects() merges the two kustomizations (same identifier); Changes() drops the repeated ones.
    expect(changedObjects(out.fileChanges).map((o) => [o.object.kind, o.changes.length])).toEqual([["Kustomization", 6], ["CronJob", 1]]);
    expect(allChanges(out.fileChanges).map((c) => c.setter)).toEqual([
      "automation-ns:policy:name",
      "automation-ns:policy:tag",
      "automation-ns:policy-with-digest:digest",
      "automation-ns:policy-with-digest",
      "automation-ns:policy",
    ]);
  });

  test("a marker naming another namespace's policy leaves its file alone, with a note", () => {
    const out = updateWithSetters(fsTreeReader(join(setters, "original")), "", fluxPolicies);
    expect(out.files.has("otherns.yaml")).toBe(false);
    expect(out.notes).toEqual([
      { file: "otherns.yaml", message: "left alone: the marker names other-namespace:policy, which is not a setter of this automation's policies" },
    ]);
  });

  // internal/policy: the placeholder SETTER_SITE becomes the marker in the input and the expected copy.
  const withMarker = (dir: string, marker: string) => {
    const files = readDir(dir);
    return new Map([...files].map(([k, v]) => [k, v.replaceAll("SETTER_SITE", `{"$imagepolicy": "${marker}"}`)]));
  };
  const policyTree = (files: Map<string, string>) => textFileTree(Object.fromEntries(files));
  const policyData = join(fixtures, "policy", "testdata");

  test.each([
    ["one policy", [{ namespace: "test-ns", name: "policy1", latestRef: { name: "helloworld", tag: "1.0.1" } }], "test-ns:policy1"],
    ["three policies, the marker naming the second", [
      { namespace: "test-ns", name: "policy1", latestRef: { name: "foo", tag: "1.1.1" } },
      { namespace: "test-ns", name: "policy2", latestRef: { name: "helloworld", tag: "1.0.1" } },
      { namespace: "test-ns", name: "policy3", latestRef: { name: "bar", tag: "2.2.2" } },
    ], "test-ns:policy2"],
  ] as [string, PolicyImage[], string][])("appconfig with %s", (_name, policies, marker) => {
    const out = updateWithSetters(policyTree(withMarker(join(policyData, "appconfig"), marker)), "", policies);
    expect(written(out.files)).toEqual(withMarker(join(policyData, "appconfig-setters-expected"), marker));
  });

  test("pathconfig: only the files under update.path change", () => {
    const marker = "test-ns:policy1";
    const tree = policyTree(withMarker(join(policyData, "pathconfig"), marker));
    const out = updateWithSetters(tree, "./yes", [{ namespace: "test-ns", name: "policy1", latestRef: { name: "helloworld", tag: "1.0.1" } }]);
    const expected = withMarker(join(policyData, "pathconfig-expected"), marker);
    expect(written(out.files)).toEqual(new Map([["yes/deploy.yaml", expected.get("yes/deploy.yaml")!]]));
    // The untouched file is as the expected tree has it, and the change set is keyed relative to the path.
    expect(tree.read("no/deploy.yaml") && dec.decode(tree.read("no/deploy.yaml"))).toBe(expected.get("no/deploy.yaml")!);
    expect([...out.fileChanges.keys()]).toEqual(["deploy.yaml"]);
    expect(out.fileChanges.get("deploy.yaml")![0]!.object.name).toBe("update-yes");
  });

  test("the controller's appconfig pair and the source test's input give the same result", () => {
    const marker = "ns:p";
    const policies = [{ namespace: "ns", name: "p", latestRef: { name: "helloworld", tag: "1.0.1" } }];
    const controller = join(fixtures, "controller", "testdata");
    const out = updateWithSetters(policyTree(withMarker(join(controller, "appconfig"), marker)), "", policies);
    expect(written(out.files)).toEqual(withMarker(join(controller, "appconfig-setters-expected"), marker));
    const source = updateWithSetters(policyTree(withMarker(join(fixtures, "source", "testdata", "appconfig"), marker)), "", policies);
    expect(written(source.files)).toEqual(written(out.files));
  });

  test("the old replace fixtures keep their comments and UTF-8 when a marker is added", () => {
    const text = readFileSync(join(fixtures, "update", "testdata", "replace", "commented", "deployment.yaml"), "utf8");
    const marked = text.replace("# the comment must stay!", '# {"$imagepolicy": "ns:p"}');
    expect(marked).not.toBe(text);
    const out = updateText(marked, setterValues([{ namespace: "ns", name: "p", latestRef: { name: "used", tag: "v1.1.0" } }]));
    expect("text" in out && out.text).toBe(marked.replace("image: used:v1.0.0", "image: used:v1.1.0"));
  });
});

const one = (latestRef: PolicyImage["latestRef"]) => setterValues([{ namespace: "ns", name: "p", ...(latestRef ? { latestRef } : {}) }]);
const set = (text: string, latestRef: PolicyImage["latestRef"] = { name: "reg.io/app", tag: "v2" }) => {
  const out = updateText(text, one(latestRef));
  return "error" in out ? out : out.text;
};

describe("setting one value", () => {
  test.each([
    ["the full image", 'image: app:v1 # {"$imagepolicy": "ns:p"}\n', 'image: reg.io/app:v2 # {"$imagepolicy": "ns:p"}\n'],
    ["the tag", 'tag: v1 # {"$imagepolicy": "ns:p:tag"}\n', 'tag: v2 # {"$imagepolicy": "ns:p:tag"}\n'],
    ["the name", 'repository: app # {"$imagepolicy": "ns:p:name"}\n', 'repository: reg.io/app # {"$imagepolicy": "ns:p:name"}\n'],
    ["a double-quoted value stays double-quoted", 'image: "app:v1" # {"$imagepolicy": "ns:p"}\n', 'image: "reg.io/app:v2" # {"$imagepolicy": "ns:p"}\n'],
    ["a single-quoted value stays single-quoted", "image: 'app:v1' # {\"$imagepolicy\": \"ns:p\"}\n", "image: 'reg.io/app:v2' # {\"$imagepolicy\": \"ns:p\"}\n"],
    ["a sequence item", '- app:v1 # {"$imagepolicy": "ns:p"}\n- other\n', '- reg.io/app:v2 # {"$imagepolicy": "ns:p"}\n- other\n'],
    ["CRLF line endings are kept", 'a: 1\r\nimage: app:v1 # {"$imagepolicy": "ns:p"}\r\nb: 2\r\n', 'a: 1\r\nimage: reg.io/app:v2 # {"$imagepolicy": "ns:p"}\r\nb: 2\r\n'],
    ["an anchored value keeps its anchor, the alias stays an alias", 'a: &img app:v1 # {"$imagepolicy": "ns:p"}\nb: *img\n', 'a: &img reg.io/app:v2 # {"$imagepolicy": "ns:p"}\nb: *img\n'],
    ["a tab before the comment, extra #s and spaces in the JSON", 'image: app:v1\t## { "$imagepolicy" : "ns:p" }\n', 'image: reg.io/app:v2\t## { "$imagepolicy" : "ns:p" }\n'],
    ["every document of a stream", 'a: x # {"$imagepolicy": "ns:p:tag"}\n---\n# c\nb: y # {"$imagepolicy": "ns:p:tag"}\n', 'a: v2 # {"$imagepolicy": "ns:p:tag"}\n---\n# c\nb: v2 # {"$imagepolicy": "ns:p:tag"}\n'],
  ])("%s", (_name, before, after) => {
    expect(set(before)).toBe(after);
  });

  test.each([
    ["a tag YAML reads as a number is double-quoted", { name: "a", tag: "1.10" }, 'tag: v1 # {"$imagepolicy": "ns:p:tag"}\n', 'tag: "1.10" # {"$imagepolicy": "ns:p:tag"}\n'],
    ["a YAML 1.1 boolean word is double-quoted", { name: "a", tag: "yes" }, 'tag: v1 # {"$imagepolicy": "ns:p:tag"}\n', 'tag: "yes" # {"$imagepolicy": "ns:p:tag"}\n'],
    ["a number that was plain becomes a quoted string", { name: "a", tag: "2.0" }, 'tag: 1.0 # {"$imagepolicy": "ns:p:tag"}\n', 'tag: "2.0" # {"$imagepolicy": "ns:p:tag"}\n'],
    ["the digest", { name: "a", tag: "v2", digest: `sha256:${"a".repeat(64)}` }, 'd: sha256:00 # {"$imagepolicy": "ns:p:digest"}\n', `d: sha256:${"a".repeat(64)} # {"$imagepolicy": "ns:p:digest"}\n`],
    ["the full image with a digest", { name: "a", tag: "v2", digest: `sha256:${"b".repeat(64)}` }, 'i: a:v1 # {"$imagepolicy": "ns:p"}\n', `i: a:v2@sha256:${"b".repeat(64)} # {"$imagepolicy": "ns:p"}\n`],
    ["the digest setter of a policy without one empties the field, as in Flux", { name: "a", tag: "v2" }, 'd: sha256:00 # {"$imagepolicy": "ns:p:digest"}\n', 'd: "" # {"$imagepolicy": "ns:p:digest"}\n'],
  ])("%s", (_name, ref, before, after) => {
    expect(set(before, ref)).toBe(after);
  });

  test.each([
    ["a comment that is not JSON", 'image: app:v1 # $imagepolicy: ns:p\n'],
    ["JSON with a non-string value", 'image: app:v1 # {"$imagepolicy": "ns:p", "n": 1}\n'],
    ["JSON followed by more text", 'image: app:v1 # {"$imagepolicy": "ns:p"} please\n'],
    ["an empty policy name", 'image: app:v1 # {"$imagepolicy": ""}\n'],
    ["a marker on the line above (a head comment)", '# {"$imagepolicy": "ns:p"}\nimage: app:v1\n'],
    ["a marker on a key with a nested value", 'image: # {"$imagepolicy": "ns:p"}\n  name: app\n'],
    ["a value followed by a comma in a flow mapping", 'x: {\n  image: app:v1, # {"$imagepolicy": "ns:p"}\n}\n'],
    ["a block scalar", 'image: | # {"$imagepolicy": "ns:p"}\n  app:v1\n'],
    ["an unknown setter suffix", 'image: app:v1 # {"$imagepolicy": "ns:p:registry"}\n'],
    ["a value already up to date", 'image: reg.io/app:v2 # {"$imagepolicy": "ns:p"}\n'],
  ])("leaves alone %s", (_name, text) => {
    expect(set(text)).toBe(text);
  });

  test("a policy without a latest image defines no setters", () => {
    expect(one(undefined).size).toBe(0);
    expect(updateText('image: app:v1 # {"$imagepolicy": "ns:p"}\n', one(undefined))).toEqual({
      text: 'image: app:v1 # {"$imagepolicy": "ns:p"}\n',
      changes: [],
      unknown: ["ns:p"],
    });
  });

  test.each([
    [{ name: "UPPER/app", tag: "v1" }, 'encountered invalid image ref "UPPER/app:v1": could not parse reference: UPPER/app:v1'],
    [{ name: "app", tag: "v1", digest: "sha256:short" }, 'encountered invalid image ref "app:v1@sha256:short": could not parse reference: app:v1@sha256:short'],
    [{ name: "app", tag: "-bad" }, 'encountered invalid image ref "app:-bad": could not parse reference: app:-bad'],
  ])("refuses a latest image that is not a reference: %j", (latestRef, message) => {
    expect(() => one(latestRef)).toThrow(message);
  });
});

describe("files and paths", () => {
  test.each([
    ["a.yaml", true], ["dir/b.yml", true], ["Kustomization", true], ["dir/Kustomization", true],
    ["kustomization", false], ["a.json", false], ["a.yaml.bak", false], ["yaml", false], ["Kustomization.txt", false],
  ])("%s is a candidate: %p", (path, yes) => {
    expect(isSetterCandidate(path)).toBe(yes);
  });

  test.each([["", ""], ["./", ""], ["./a/b/", "a/b"], ["a/../b", "b"], ["../../etc", "etc"], ["/abs//x", "abs/x"]])("update path %p is %p in the tree", (path, want) => {
    expect(treePath(path)).toBe(want);
  });

  test("a missing update path is an error", () => {
    expect(() => updateWithSetters(textFileTree({ "a.yaml": "a: 1\n" }), "./nope", [])).toThrow('Cannot update the files under "./nope": no such file or directory');
  });

  test("an update path naming one file updates that file", () => {
    const tree = textFileTree({ "d/a.yaml": 'i: x # {"$imagepolicy": "ns:p:tag"}\n', "d/b.yaml": 'i: x # {"$imagepolicy": "ns:p:tag"}\n' });
    const out = updateWithSetters(tree, "d/a.yaml", [{ namespace: "ns", name: "p", latestRef: { name: "a", tag: "v2" } }]);
    expect([...out.files.keys()]).toEqual(["d/a.yaml"]);
    expect([...out.fileChanges.keys()]).toEqual(["a.yaml"]);
  });
});

describe("hostile input ends as a note, never a crash", () => {
  const policies = [{ namespace: "ns", name: "p", latestRef: { name: "a", tag: "v2" } }];

  test.each([
    ["a Helm template that is not YAML", "t.yaml", '{{- if .Values.x }}\nimage: {{ .Values.image }} # {"$imagepolicy": "ns:p"}\n{{- end }}\n',
      /^skipped: cannot parse the file as YAML: /],
    ["unclosed quotes", "q.yaml", 'image: "app:v1 # {"$imagepolicy": "ns:p"}\n', /^skipped: cannot parse the file as YAML: /],
    ["duplicate keys", "d.yaml", 'image: a # {"$imagepolicy": "ns:p"}\nimage: b\n', /^skipped: cannot parse the file as YAML: Map keys must be unique: "image" appears twice$/],
    ["bytes that are not UTF-8", "b.yaml", new Uint8Array([0x22, 0x24, 0x69, 0x6d, 0x61, 0x67, 0x65, 0x70, 0x6f, 0x6c, 0x69, 0x63, 0x79, 0x22, 0xff, 0xfe]), /^skipped: the file is not UTF-8 text$/],
  ])("%s", (_name, file, content, message) => {
    const tree = typeof content === "string" ? textFileTree({ [file]: content }) : textFileTree({});
    if (typeof content !== "string") tree.set(file, { kind: "file", mode: 0o644, data: content });
    const out = updateWithSetters(tree, "", policies);
    expect(out.files.size).toBe(0);
    expect(out.notes).toHaveLength(1);
    expect(out.notes[0]!.file).toBe(file);
    expect(out.notes[0]!.message).toMatch(message);
  });

  test("a 100,000-line file with one marker changes one line, quickly", () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `k${i}: v${i} # comment ${i}`);
    lines[77_777] = 'image: app:v1 # {"$imagepolicy": "ns:p"}';
    const text = lines.join("\n") + "\n";
    const start = performance.now();
    const out = updateWithSetters(textFileTree({ "big.yaml": text }), "", policies);
    const ms = performance.now() - start;
    expect(dec.decode(out.files.get("big.yaml"))).toBe(text.replace("image: app:v1", "image: a:v2"));
    // ~8 s on a loaded 2-core machine; the bound only catches a return of quadratic parsing (minutes).
    expect(ms).toBeLessThan(50_000);
  });

  test("a billion-laughs alias bomb is never expanded", () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`), 'image: app:v1 # {"$imagepolicy": "ns:p"}'].join("\n") + "\n";
    const out = updateWithSetters(textFileTree({ "bomb.yaml": bomb }), "", policies);
    expect(dec.decode(out.files.get("bomb.yaml"))).toBe(bomb.replace("image: app:v1", "image: a:v2"));
  });

  test("files without a marker are never changed (property)", () => {
    const yamlish = fc.array(fc.oneof(fc.string(), fc.constantFrom("image: app:v1 # $imagepolicy", "- x", "a: &b c", "k: *b", "---", "# {\"$imagepolicy\" ns:p}", "\r")), { maxLength: 30 });
    fc.assert(
      fc.property(yamlish, (parts) => {
        const text = parts.join("\n");
        fc.pre(!text.includes('"$imagepolicy"'));
        const tree = textFileTree({ "f.yaml": text });
        const out = updateWithSetters(tree, "", policies);
        return out.files.size === 0 && out.notes.length === 0 && out.fileChanges.size === 0;
      }),
      { numRuns: 300 },
    );
  });

  test("a file whose marker names no policy is never changed, whatever else it holds (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme-ascii" }), { maxLength: 20 }), (parts) => {
        const text = [...parts, 'image: app:v1 # {"$imagepolicy": "other:p"}'].join("\n");
        const out = updateText(text, setterValues(policies));
        return "error" in out || out.text === text;
      }),
      { numRuns: 300 },
    );
  });
});

