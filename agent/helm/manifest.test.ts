import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { INSTALL_ORDER, UNINSTALL_ORDER, manifestText, sortByKind, sortManifests, splitManifests } from "./manifest.ts";
import { decodeRelease } from "./release-codec.ts";

const fixtures = join(import.meta.dirname, "..", "..", "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");
const haveFixtures = existsSync(fixtures);
const release = (name: string) => decodeRelease(readFileSync(join(fixtures, name), "utf8"));

/** The stored manifest back into per-template texts, as the renderer would hand them over. */
function templatesOf(manifest: string): Map<string, string> {
  const out = new Map<string, string[]>();
  for (const part of manifest.split("---\n# Source: ").slice(1)) {
    const nl = part.indexOf("\n");
    const path = part.slice(0, nl);
    out.set(path, [...(out.get(path) ?? []), part.slice(nl + 1)]);
  }
  // Reversed so the input order is not already the answer; the renderer's order is a map's.
  return new Map([...out.entries()].reverse().map(([p, docs]) => [p, docs.join("---\n")]));
}

// Skipped when ../shared/fixtures is absent (a checkout without the shared fixtures).
describe.skipIf(!haveFixtures)("manifest against Helm's stored releases", () => {
  test("istio-base-1: its templates give back the stored manifest byte for byte", () => {
    const r = release("istio-base-1");
    // Stored by Helm 3, which trimmed both ends of every document.
    const sorted = sortManifests(templatesOf(r.manifest), INSTALL_ORDER, "helm3");
    expect(sorted.hooks).toEqual([]);
    expect(sorted.manifests.map((m) => m.kind)).toEqual([
      "ServiceAccount",
      "ServiceAccount",
      "ClusterRole",
      "ClusterRole",
      "ClusterRoleBinding",
      "ClusterRoleBinding",
      "Role",
      "RoleBinding",
      "ValidatingWebhookConfiguration",
    ]);
    expect(manifestText(sorted.manifests)).toBe(r.manifest);
  });

  test("podinfo-helm-1: its test templates give back the stored hooks", () => {
    const r = release("podinfo-helm-1");
    const rendered = new Map(r.hooks!.map((h) => [h.path, `\n${h.manifest}\n\n`]));
    const sorted = sortManifests(rendered, INSTALL_ORDER, "helm3");
    expect(sorted.manifests).toEqual([]);
    // Everything but the run record, which Helm writes once the hook has run, is as Helm stored it.
    const strip = ({ last_run: _, ...rest }: Record<string, unknown>) => rest;
    expect(sorted.hooks.map(strip)).toEqual(r.hooks!.map(strip));
    expect(sorted.hooks.map((h) => h.last_run)).toEqual([{ phase: "" }, { phase: "" }, { phase: "" }]);
  });

  test("prom-stack-1: the parent's hooks carry their weights and policies", () => {
    const r = release("prom-stack-1");
    const rendered = new Map<string, string>();
    for (const h of r.hooks!) rendered.set(h.path, [rendered.get(h.path), h.manifest].filter(Boolean).join("\n---\n"));
    const sorted = sortManifests(rendered);
    const key = (h: { name: string; events: string[]; weight?: number; delete_policies?: string[] }) =>
      JSON.stringify([h.name, h.events, h.weight ?? 0, h.delete_policies ?? []]);
    expect(sorted.hooks.map(key).sort()).toEqual(r.hooks!.map(key).sort());
  });
});

describe("splitManifests", () => {
  test.each([
    // Helm 4.2 trims the left only: the last document keeps the template's trailing newline.
    ["a: 1\n---\nb: 2\n", ["a: 1", "b: 2\n"]],
    ["\n\na: 1  \n\n", ["a: 1  \n\n"]],
    ["a: 1\n---\n  \n---\nb: 2", ["a: 1", "---\nb: 2"]],
    ["a: 1\n---\n \n", ["a: 1"]],
  ])("helm4 %j", (input, want) => {
    expect(splitManifests(input)).toEqual(want);
  });
  test.each([
    ["a: 1\n---\nb: 2\n", ["a: 1", "b: 2"]],
    ["---\na: 1\n---   \nb: 2", ["a: 1", "b: 2"]],
    // Helm's quirk: the first separator's trailing \s* eats the newline the second one needs.
    ["a: 1\n---\n\n---\nb: 2", ["a: 1", "---\nb: 2"]],
    ["  \n", []],
    ["a: '---'\nb: 1", ["a: '---'\nb: 1"]],
    ["a: 1\n--- # comment\nb: 2", ["a: 1", "# comment\nb: 2"]],
  ])("helm3 %j", (input, want) => {
    expect(splitManifests(input, "helm3")).toEqual(want);
  });
});

describe("sortManifests", () => {
  const doc = (kind: string, name: string, annotations?: Record<string, string>) =>
    `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${annotations ? `  annotations:\n${Object.entries(annotations).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}\n`).join("")}` : ""}`;

  test("orders by kind, then template path, then position in the template", () => {
    const sorted = sortManifests({
      "c/templates/z.yaml": `${doc("Deployment", "d1")}---\n${doc("Service", "s2")}`,
      "c/templates/a.yaml": `${doc("Service", "s1")}---\n${doc("Widget", "w")}---\n${doc("Gadget", "g")}`,
      "c/templates/_helpers.tpl": doc("Namespace", "never"),
      "c/templates/m.yaml": doc("Namespace", "ns"),
    });
    expect(sorted.manifests.map((m) => m.name)).toEqual(["ns", "s1", "s2", "d1", "g", "w"]);
  });

  test("reads hook events, weight and delete policies as Helm does", () => {
    const sorted = sortManifests({
      "c/templates/hooks.yaml": [
        doc("Job", "migrate", { "helm.sh/hook": "pre-install, Pre-Upgrade", "helm.sh/hook-weight": "-5", "helm.sh/hook-delete-policy": "hook-succeeded,before-hook-creation" }),
        doc("ConfigMap", "odd-weight", { "helm.sh/hook": "post-install", "helm.sh/hook-weight": "1.5" }),
        doc("Pod", "unknown", { "helm.sh/hook": "pre-install,someday" }),
        doc("Secret", "plain", { "other/annotation": "x" }),
      ].join("---\n"),
    });
    expect(sorted.manifests.map((m) => m.name)).toEqual(["plain"]);
    expect(sorted.hooks.map((h) => [h.name, h.events, h.weight, h.delete_policies])).toEqual([
      ["odd-weight", ["post-install"], undefined, undefined],
      ["migrate", ["pre-install", "pre-upgrade"], -5, ["hook-succeeded", "before-hook-creation"]],
    ]);
    expect(sorted.skipped).toEqual(['c/templates/hooks.yaml: unknown hook "pre-install,someday"']);
  });

  test("records helm.sh/hook-output-log-policy as Helm 4.2's output_log_policies: split at commas, trimmed, lower-cased, in order", () => {
    const sorted = sortManifests({
      "c/templates/h.yaml": [
        doc("Pod", "logs", { "helm.sh/hook": "test", "helm.sh/hook-output-log-policy": " Hook-Failed,hook-succeeded " }),
        doc("Pod", "quiet", { "helm.sh/hook": "test" }),
      ].join("---\n"),
    });
    expect(sorted.hooks.map((h) => [h.name, h.output_log_policies])).toEqual([
      ["logs", ["hook-failed", "hook-succeeded"]],
      ["quiet", undefined],
    ]);
  });

  test("reads an unquoted number in an annotation as its text, as Helm's string fields do", () => {
    const sorted = sortManifests({ "c/templates/h.yaml": "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: post-install\n    helm.sh/hook-weight: 5\n" });
    expect(sorted.hooks.map((h) => h.weight)).toEqual([5]);
  });

  test("a hook event named like an Object member is unknown", () => {
    const sorted = sortManifests({ "c/templates/h.yaml": "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: constructor\n" });
    expect([sorted.hooks.length, sorted.skipped.length]).toEqual([0, 1]);
  });

  test("a document that is not YAML names its template", () => {
    expect(() => sortManifests({ "c/templates/bad.yaml": "a: [1" })).toThrow(/^YAML parse error on c\/templates\/bad.yaml: /);
  });

  test("the uninstall order puts webhooks first, then the install order reversed", () => {
    expect(UNINSTALL_ORDER.slice(0, 3)).toEqual(["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService"]);
    expect(UNINSTALL_ORDER.at(-1)).toBe("PriorityClass");
    expect(new Set(UNINSTALL_ORDER)).toEqual(new Set(INSTALL_ORDER));
  });

  test("kind sort is stable within a kind and puts unknown kinds last, alphabetically", () => {
    const items = ["B/x", "Pod/1", "A/y", "Namespace/n", "Pod/2", "A/z"];
    expect(sortByKind(items, (s) => s.split("/")[0]!)).toEqual(["Namespace/n", "Pod/1", "Pod/2", "A/y", "A/z", "B/x"]);
  });
});
