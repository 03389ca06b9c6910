/**
 * render.ts on charts of our own (testdata/shop): every expected text below was written from Helm's
 * documented rules (Helm 4.2's manifest layout, install order, values scoping) and checked by hand; each
 * test says which rule it proves.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fsTreeReader } from "../runtime/artifact-fs.ts";
import { helmWasmPort } from "../runtime/helm-wasm.ts";
import type { Chart, Values } from "./chart.ts";
import { loadChart } from "./chart-loader.ts";
import { defaultCapabilities, parseKubeVersion, renderChart, type RenderOptions } from "./render.ts";
import { createTemplateEngine } from "./template-engine.ts";

const haveEngine = existsSync(new URL("../../wasm/helm-template/build/helm-template.wasm", import.meta.url));
const engine = createTemplateEngine(helmWasmPort);
const shop = () => loadChart(fsTreeReader(join(import.meta.dirname, "testdata", "shop")), "shop");
const release = { name: "shop-test", namespace: "store" };
const render = async (values: Values = {}, extra: Partial<RenderOptions> = {}) => renderChart(engine, await shop(), { release, values, ...extra });
const sources = (manifest: string) => [...manifest.matchAll(/^# Source: (.*)$/gm)].map((m) => m[1]);

/** A chart built in code, for the failure cases: one file per template. */
function chartOf(templates: Record<string, string>, metadata: Partial<Chart["metadata"]> = {}): Chart {
  const enc = new TextEncoder();
  return {
    metadata: { apiVersion: "v2", name: "bad", version: "1.0.0", ...metadata },
    templates: Object.entries(templates).map(([name, text]) => ({ name, data: enc.encode(text) })),
    crds: [],
    values: {},
    files: [],
    dependencies: [],
  };
}

const SHOP_MANIFEST = `---
# Source: shop/charts/primary/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: shop-test-primary
  labels:
    app.kubernetes.io/name: primary
    app.kubernetes.io/instance: shop-test
    env: prod
stringData:
  password: "changeme"
  size: "10"
  env: prod

---
# Source: shop/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-test-settings
  labels:
    app.kubernetes.io/name: shop
    app.kubernetes.io/instance: shop-test
    env: prod
data:
  greeting: "hello shop-test in prod"
  countdown: "3,2,1,0"
  subcharts: "common,primary"
  db-size: "10"

---
# Source: shop/templates/files.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-test-files
data:
  a.conf: |
    a=1
  b.conf: |
    b=2

---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: shop-test
  namespace: store
  annotations:
    revision: "1"
    upgrade: "false"
    kube: v1.35.0
spec:
  ports:
    - port: 80

`;

describe.skipIf(!haveEngine)("renderChart on testdata/shop", () => {
  test("renders the parent, the aliased subchart and the library's helpers into Helm 4.2's manifest", async () => {
    // Proves: Secret before ConfigMap before Service (install order), templates by path within a kind;
    // the alias names the subchart's path and .Chart.Name; the subchart's .Values is the parent's
    // `primary` table over its own defaults, with `global` copied down; a library chart's defines are
    // usable everywhere while its own configmap.yaml renders nothing; `tpl` sees the parent's scope;
    // `include` recurses (3,2,1,0); .Subcharts holds the enabled subcharts by name; .Files.Glob(...)
    // .AsConfig keys files by base name; each template's last document keeps its trailing newline.
    const out = await render();
    expect(out.manifest).toBe(SHOP_MANIFEST);
  });

  test("hooks are kept apart from the manifest, in install order by kind, with weight and policies", async () => {
    const out = await render();
    expect(out.hooks.map((h) => [h.kind, h.name, h.path, h.events, h.weight, h.delete_policies])).toEqual([
      ["Pod", "shop-test-test", "shop/templates/tests/test-connection.yaml", ["test"], undefined, undefined],
      ["Job", "shop-test-migrate", "shop/templates/hooks.yaml", ["pre-install", "pre-upgrade"], -1, ["before-hook-creation"]],
    ]);
    expect(out.hooks[1]!.manifest.endsWith("          image: shop:2.1\n")).toBe(true);
  });

  test("only the top chart's NOTES.txt becomes the notes, and no NOTES.txt is a manifest", async () => {
    const out = await render();
    expect(out.notes).toBe("Thanks for installing shop as shop-test.\n");
    expect(sources(out.manifest).some((s) => s!.endsWith("NOTES.txt"))).toBe(false);
  });

  test("crds/ files are returned apart with their chart path and are not templated", async () => {
    const out = await render();
    expect(out.crds.map((c) => c.name)).toEqual(["shop/crds/widgets.yaml"]);
    expect(new TextDecoder().decode(out.crds[0]!.data).split("\n")[0]).toBe("# {{ .Release.Name }} stays as written: crds/ is never templated");
  });

  test("conditions and tags decide which subcharts render; an alias can render one chart twice", async () => {
    const out = await render({ tags: { monitoring: true }, replica: { enabled: true }, cache: { enabled: true } });
    expect(sources(out.manifest)).toEqual([
      "shop/charts/primary/templates/secret.yaml",
      "shop/charts/replica/templates/secret.yaml",
      "shop/charts/cache/templates/cm.yaml",
      "shop/charts/metrics/templates/cm.yaml",
      "shop/templates/configmap.yaml",
      "shop/templates/files.yaml",
      "shop/templates/service.yaml",
    ]);
    expect(out.manifest).toContain('  subcharts: "cache,common,metrics,primary,replica"\n');
    // The replica sees its own defaults: nothing of the parent's primary table.
    expect(out.manifest).toContain('  name: shop-test-replica\n  labels:\n    app.kubernetes.io/name: replica\n');
    expect(out.manifest).toContain('  password: "changeme"\n  size: "1"\n');
  });

  test("a user's global reaches every subchart; the parent's value for a subchart overrides the subchart's default", async () => {
    const out = await render({ global: { env: "staging" }, tags: { monitoring: true }, primary: { size: 3 } });
    expect(out.manifest).toContain("# Source: shop/charts/metrics/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-test-metrics\n  labels:\n    env: staging\n\n");
    expect(out.manifest).toContain('  size: "3"\n  env: staging\n');
  });

  test(".Release and .Capabilities come from the options", async () => {
    const capabilities = defaultCapabilities({ kubeVersion: "1.31.2", apiVersions: ["example.com/v1"] });
    const out = await render({}, { release: { ...release, revision: 4, isUpgrade: true }, capabilities });
    expect(out.manifest).toContain('    revision: "4"\n    upgrade: "true"\n    kube: v1.31.2\n    example: available\n');
  });

  test("lookup is the options' function, asked by parent and subchart templates; without one it finds nothing", async () => {
    const chart = chartOf({ "templates/cm.yaml": `data: {{ (lookup "v1" "ConfigMap" .Release.Namespace "seed").data | toJson }}` });
    chart.dependencies.push(chartOf({ "templates/sub.yaml": `sub: {{ (lookup "v1" "Secret" .Release.Namespace "s").kind }}` }, { name: "sub" }));
    const asked: string[] = [];
    const lookup = async (...args: string[]) => {
      asked.push(args.join(" "));
      return args[1] === "ConfigMap" ? { data: { k: "v" } } : { kind: "Secret" };
    };
    const out = await renderChart(engine, chart, { release, lookup });
    expect(out.manifest).toBe(`---\n# Source: bad/charts/sub/templates/sub.yaml\nsub: Secret\n---\n# Source: bad/templates/cm.yaml\ndata: {"k":"v"}\n`);
    expect(asked.sort()).toEqual(["v1 ConfigMap store seed", "v1 Secret store s"]);
    const none = await renderChart(engine, chart, { release });
    expect(none.manifest).toBe(`---\n# Source: bad/charts/sub/templates/sub.yaml\nsub: \n---\n# Source: bad/templates/cm.yaml\ndata: null\n`);
  });

  test("the values reach validateValues, coalesced and with disabled subcharts removed, before rendering", async () => {
    const seen: string[] = [];
    const out = await render({ primary: { size: 7 } }, {
      validateValues: (chart, values) => {
        seen.push(chart.dependencies.map((d) => d.metadata.name).sort().join(","), JSON.stringify((values.primary as Values).size));
      },
    });
    expect(seen).toEqual(["common,primary", "7"]);
    expect(out.values.greeting).toBe("hello {{ .Release.Name }} in {{ .Values.global.env }}");
    const failing = render({}, { validateValues: () => { throw new Error("values don't meet the specifications of the schema(s)"); } });
    await expect(failing).rejects.toThrow("values don't meet the specifications of the schema(s)");
  });

  test("a null from the user deletes a subchart's default, and `required` names chart, template and line", async () => {
    await expect(render({ primary: { password: null } })).rejects.toThrow(
      new Error("execution error at (shop/charts/primary/templates/secret.yaml:8:15): a database password is required"),
    );
  });
});

describe.skipIf(!haveEngine)("renderChart failures keep Helm's texts", () => {
  const cases: Array<[string, Chart, string | RegExp]> = [
    ["an unclosed action names the template and line", chartOf({ "templates/cm.yaml": "a: 1\nb: {{ .Values.x \n" }), "parse error at (bad/templates/cm.yaml:3): unclosed action started at bad/templates/cm.yaml:2"],
    ["fail names the template, line and column", chartOf({ "templates/cm.yaml": 'a: {{ fail "stop here" }}\n' }), "execution error at (bad/templates/cm.yaml:1:6): stop here"],
    ["a nil map step names the template and line", chartOf({ "templates/cm.yaml": "a: {{ .Values.x.y.z }}\n" }), 'template: bad/templates/cm.yaml:1:13: executing "bad/templates/cm.yaml" at <.Values.x.y.z>: nil pointer evaluating interface {}.y'],
    [
      "endless include recursion stops at Helm's depth limit",
      chartOf({ "templates/_h.tpl": '{{ define "loop" }}{{ include "loop" . }}{{ end }}', "templates/cm.yaml": 'a: {{ include "loop" . }}\n' }),
      /^template: bad\/templates\/cm.yaml:1:6: executing "bad\/templates\/cm.yaml" at <include "loop" .>: error calling include: .*rendering template has a nested reference name: loop: unable to execute template$/,
    ],
    ["a rendered document that is not YAML names the template and line", chartOf({ "templates/cm.yaml": "kind: ConfigMap\nmetadata:\n\tname: x\n" }), /^YAML parse error on bad\/templates\/cm.yaml: line 3: /],
    ["a library chart is not installable", chartOf({ "templates/cm.yaml": "a: 1\n" }, { type: "library" }), "library charts are not installable"],
    ["kubeVersion is checked against the cluster's", chartOf({ "templates/cm.yaml": "a: 1\n" }, { kubeVersion: ">=1.36.0-0" }), "chart requires kubeVersion: >=1.36.0-0 which is incompatible with Kubernetes v1.35.0"],
  ];
  test.each(cases)("%s", async (_name, chart, want) => {
    const run = renderChart(engine, chart, { release });
    if (typeof want === "string") await expect(run).rejects.toThrow(new Error(want));
    else await expect(run).rejects.toThrow(want);
  });
});

describe("parseKubeVersion, as Helm 4.2's ParseKubeVersion", () => {
  // Helm's TestParseKubeVersionWithVendorSuffixes: the version as given, printed normalized.
  test.each([
    ["v1.33.4-gke.1245000", { version: "v1.33.4-gke.1245000", normalized: "v1.33.4", major: "1", minor: "33" }],
    ["1.30.2-gke.1587003", { version: "v1.30.2-gke.1587003", normalized: "v1.30.2", major: "1", minor: "30" }],
    ["v1.28+", { version: "v1.28+", normalized: "v1.28", major: "1", minor: "28" }],
    ["1.28+", { version: "v1.28+", normalized: "v1.28", major: "1", minor: "28" }],
    ["v1.31.0", { version: "v1.31.0", normalized: "v1.31.0", major: "1", minor: "31" }],
    ["1.29.0", { version: "v1.29.0", normalized: "v1.29.0", major: "1", minor: "29" }],
    ["1.031", { version: "v1.031", normalized: "v1.31", major: "1", minor: "31" }],
  ])("%s", (input, want) => {
    expect(parseKubeVersion(input)).toEqual(want);
  });

  test.each([
    ["1", `invalid kube version '1': illegal version string "1"`],
    ["one", `invalid kube version 'one': could not parse "one" as version`],
    ["01.2", `invalid kube version '01.2': illegal zero-prefixed version component "01" in "01.2"`],
  ])("%p is refused as Helm refuses it", (input, message) => {
    expect(() => parseKubeVersion(input)).toThrow(new Error(message));
  });

  test("normalizing is idempotent and keeps major and minor", () => {
    fc.assert(fc.property(fc.nat(40), fc.nat(40), fc.option(fc.nat(40)), fc.constantFrom("", "+", "-gke.1", "-eks-4096722"), (a, b, c, suffix) => {
      const v = parseKubeVersion(`${a}.${b}${c === null ? "" : `.${c}`}${suffix}`);
      const again = parseKubeVersion(v.normalized!);
      expect(again).toEqual({ version: v.normalized!, normalized: v.normalized, major: v.major, minor: v.minor });
    }));
  });
});

describe.skipIf(!haveEngine)(".Capabilities.KubeVersion as Helm 4.2 prints it", () => {
  const chart = chartOf({ "templates/cm.yaml": "v: {{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.GitVersion }} {{ .Capabilities.KubeVersion.Minor }}\n" }, { kubeVersion: ">=1.33.0" });

  test("--kube-version with a vendor suffix prints normalized, .Version keeps the suffix, kubeVersion checks the normalized one", async () => {
    const out = await renderChart(engine, chart, { release, capabilities: defaultCapabilities({ kubeVersion: "v1.33.4-gke.1245000" }) });
    expect(out.manifest).toContain("v: v1.33.4 v1.33.4-gke.1245000 v1.33.4-gke.1245000 33\n");
  });

  test("from discovery the version prints as reported, and a vendor suffix is a prerelease to kubeVersion, as in Helm", async () => {
    const discovered = { ...defaultCapabilities(), kubeVersion: { version: "v1.33.4-gke.1245000", major: "1", minor: "33" } };
    await expect(renderChart(engine, chart, { release, capabilities: discovered })).rejects.toThrow(
      new Error("chart requires kubeVersion: >=1.33.0 which is incompatible with Kubernetes v1.33.4-gke.1245000"),
    );
    const accepting = chartOf({ "templates/cm.yaml": "v: {{ .Capabilities.KubeVersion }}\n" }, { kubeVersion: ">=1.33.0-0" });
    expect((await renderChart(engine, accepting, { release, capabilities: discovered })).manifest).toContain("v: v1.33.4-gke.1245000\n");
  });
});
