import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileTree } from "../artifact/file-tree.ts";
import { pack } from "../artifact/pack.ts";
import { pushHelmChart } from "../source/oci/push-helm-chart.ts";
import { RegistryClient } from "../source/oci/registry-client.ts";
import { startRegistry, type TestRegistry } from "../../test/support/oci-registry.ts";
import { startChartRepoServer, type ChartRepoServer } from "../../test/support/chart-repo-server.ts";
import { dispatch } from "./dispatch.ts";
import { globMatcher, templateCommand } from "./template.ts";

const testdata = join(import.meta.dirname, "..", "helm", "testdata");
const haveEngine = existsSync(new URL("../../wasm/helm-template/build/helm-template.wasm", import.meta.url));

async function cli(cwd: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await dispatch(argv, [templateCommand], { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd, signal: new AbortController().signal });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe.skipIf(!haveEngine)("rivulet template", () => {
  test("prints the manifest, then the hooks, as helm template lays them out", async () => {
    const r = await cli(testdata, "template", "shop-test", "shop", "--namespace", "store");
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out.startsWith("---\n# Source: shop/charts/primary/templates/secret.yaml\napiVersion: v1\nkind: Secret\n")).toBe(true);
    // The manifest is trimmed before the hooks follow; each hook keeps Helm 4.2's empty line after it.
    expect(r.out).toContain("    - port: 80\n---\n# Source: shop/templates/tests/test-connection.yaml\napiVersion: v1\nkind: Pod\n");
    expect(r.out).toContain("      image: busybox\n\n---\n# Source: shop/templates/hooks.yaml\napiVersion: batch/v1\n");
    expect(r.out.endsWith("          image: shop:2.1\n")).toBe(true);
  });

  test("--show-only, --skip-tests, --is-upgrade, --kube-version and --api-versions shape one document", async () => {
    const r = await cli(testdata, "template", "web", "shop", "-n", "shopfront", "--skip-tests", "--is-upgrade", "--kube-version", "1.30", "-a", "example.com/v1,other/v1", "-s", "templates/service.yaml");
    expect([r.code, r.err]).toEqual([0, ""]);
    // The release name and namespace reach .Release; the flags reach .Release.IsUpgrade and .Capabilities.
    expect(r.out).toBe(`---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shopfront
  annotations:
    revision: "1"
    upgrade: "true"
    kube: v1.30
    example: available
spec:
  ports:
    - port: 80`);
  });

  test("--skip-tests leaves out test hooks only", async () => {
    const r = await cli(testdata, "template", "shop-test", "shop", "--skip-tests");
    expect(r.out).not.toContain("# Source: shop/templates/tests/test-connection.yaml");
    expect(r.out).toContain("    - port: 80\n---\n# Source: shop/templates/hooks.yaml\n");
  });

  test("--include-crds puts the crds/ files first, as written", async () => {
    const r = await cli(testdata, "template", "shop", "-s", "crds/widgets.yaml", "--include-crds");
    // A document the separator follows loses its trailing newline in the split; io.out adds the last one.
    expect(r.out).toBe("---\n# Source: shop/crds/widgets.yaml\n# {{ .Release.Name }} stays as written: crds/ is never templated\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com");
  });

  test("-f, --set, --set-string and --set-file reach the templates in Helm's order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rivulet-template-"));
    try {
      writeFileSync(join(dir, "values.yaml"), "depth: 1\nprimary:\n  size: 2\n");
      writeFileSync(join(dir, "greeting.txt"), "from a file");
      const r = await cli(dir, "template", "t", join(testdata, "shop"), "-f", "values.yaml", "--set", "primary.size=5", "--set-file", "greeting=greeting.txt", "-s", "templates/configmap.yaml");
      expect([r.code, r.err]).toEqual([0, ""]);
      // The -f file sets depth, --set overrides the file's size, --set-file's text goes through tpl unchanged.
      expect(r.out).toContain('  greeting: "from a file"\n  countdown: "1,0"\n  subcharts: "common,primary"\n  db-size: "5"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("values that break values.schema.json stop the render with Helm's message, unless --skip-schema-validation", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rivulet-template-"));
    try {
      const chart = join(dir, "mini");
      execFileSync("mkdir", ["-p", join(chart, "templates")]);
      writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: mini\nversion: 0.1.0\n");
      writeFileSync(join(chart, "values.yaml"), "replicas: 1\n");
      writeFileSync(join(chart, "values.schema.json"), JSON.stringify({ type: "object", properties: { replicas: { type: "integer", minimum: 1 } }, required: ["replicas"] }));
      writeFileSync(join(chart, "templates", "cm.yaml"), "replicas: {{ .Values.replicas }}\n");
      expect(await cli(dir, "template", "t", "mini")).toEqual({ code: 0, out: "---\n# Source: mini/templates/cm.yaml\nreplicas: 1", err: "" });
      const bad = await cli(dir, "template", "t", "mini", "--set", "replicas=0");
      expect(bad).toEqual({
        code: 3,
        out: "",
        err: "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nmini:\n- at '/replicas': minimum: got 0, want 1\n",
      });
      const skipped = await cli(dir, "template", "t", "mini", "--set", "replicas=0", "--skip-schema-validation");
      expect([skipped.code, skipped.out]).toEqual([0, "---\n# Source: mini/templates/cm.yaml\nreplicas: 0"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("lookup finds nothing and reaches no cluster, as under helm template", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rivulet-template-lookup-"));
    try {
      mkdirSync(join(dir, "probe", "templates"), { recursive: true });
      writeFileSync(join(dir, "probe", "Chart.yaml"), "apiVersion: v2\nname: probe\nversion: 0.1.0\n");
      const probe = `kind: ConfigMap\ndata:\n  found: {{ lookup "v1" "Secret" .Release.Namespace "db" | toJson | quote }}\n  listed: {{ lookup "v1" "Secret" "" "" | toJson | quote }}\n`;
      writeFileSync(join(dir, "probe", "templates", "cm.yaml"), probe);
      const r = await cli(dir, "template", "p", "probe", "-n", "store");
      expect([r.code, r.err, r.out]).toEqual([0, "", `---\n# Source: probe/templates/cm.yaml\nkind: ConfigMap\ndata:\n  found: "{}"\n  listed: "{}"`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a packaged chart renders as its directory does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rivulet-template-tgz-"));
    try {
      execFileSync("tar", ["-czf", join(dir, "shop-1.0.0.tgz"), "-C", testdata, "shop"]);
      const fromTgz = await cli(dir, "template", "shop-test", "shop-1.0.0.tgz", "-n", "store");
      const fromDir = await cli(testdata, "template", "shop-test", "shop", "-n", "store");
      expect(fromTgz.code).toBe(0);
      expect(fromTgz.out).toBe(fromDir.out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    [["--set", "primary.password=null"], "Error: execution error at (shop/charts/primary/templates/secret.yaml:8:15): a database password is required"],
    [["-s", "templates/nope.yaml"], "Error: could not find template templates/nope.yaml in chart"],
    [["--kube-version", "one"], `Error: invalid kube version 'one': could not parse "one" as version`],
  ])("%j fails with Helm's message", async (flags, message) => {
    const r = await cli(testdata, "template", "shop", ...flags);
    expect([r.code, r.err]).toEqual([3, message]);
  });

  test("no chart is a usage error", async () => {
    const r = await cli(testdata, "template");
    expect(r.code).toBe(2);
  });
});

describe.skipIf(!haveEngine)("rivulet template oci://", () => {
  let reg: TestRegistry;
  const digests: Record<string, string> = {};
  beforeAll(async () => {
    reg = await startRegistry();
    const client = new RegistryClient({ host: reg.host, repository: "charts/mini", fetch, insecure: true });
    for (const version of ["1.0.0", "1.1.0", "2.0.0-rc.1"]) {
      const files = {
        "mini/Chart.yaml": `apiVersion: v2\nname: mini\nversion: ${version}\n`,
        "mini/values.yaml": "extra: {}\n",
        "mini/templates/cm.yaml": `kind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  chart: {{ .Chart.Version }}\n  extra: {{ toJson .Values.extra | quote }}\n`,
      };
      const tree = new FileTree(Object.entries(files).map(([p, c]) => [p, { kind: "file", mode: 0o644, data: new TextEncoder().encode(c) }]));
      digests[version] = (await pushHelmChart(client, { chart: (await pack(tree)).bytes, metadata: { apiVersion: "v2", name: "mini", version } })).digest;
    }
  });
  afterAll(async () => {
    await reg?.stop();
  });

  const doc = (version: string, extra: string) => `---\n# Source: mini/templates/cm.yaml\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  chart: ${version}\n  extra: ${JSON.stringify(extra)}`;

  test("pulls the version a range names, says what it pulled on stderr, and renders it with --set-json", async () => {
    const r = await cli(testdata, "template", "web", `oci://${reg.host}/charts/mini`, "--version", "^1.0", "--plain-http", "--set-json", 'extra={"a":[1,true]}');
    expect(r).toEqual({ code: 0, out: doc("1.1.0", '{"a":[1,true]}'), err: `Pulled: ${reg.host}/charts/mini:1.1.0\nDigest: ${digests["1.1.0"]}` });
  });

  test("the reference's tag is the version; --devel lets a prerelease win when no version is given", async () => {
    const tagged = await cli(testdata, "template", "web", `oci://${reg.host}/charts/mini:1.0.0`, "--plain-http");
    expect([tagged.code, tagged.out]).toEqual([0, doc("1.0.0", "{}")]);
    const devel = await cli(testdata, "template", "web", `oci://${reg.host}/charts/mini`, "--plain-http", "--devel");
    expect([devel.code, devel.out]).toEqual([0, doc("2.0.0-rc.1", "{}")]);
  });

  test.each([
    [["--version", "9.0.0"], "", "Error: Cannot pull the chart HOST/charts/mini:9.0.0: not found"],
    [["--version", ">=3"], "", "Error: could not locate a version matching provided version string >=3"],
    [["--version", "2.0.0"], ":1.0.0", "Error: chart reference and version mismatch: 2.0.0 is not 1.0.0"],
    [["--set-json", "extra={"], "", "Error: failed parsing --set-json data extra={"],
  ])("%j on the reference's tag %p fails with Helm's message", async (flags, tag, message) => {
    const r = await cli(testdata, "template", "web", `oci://${reg.host}/charts/mini${tag}`, "--plain-http", ...flags);
    expect([r.code, r.out, r.err]).toEqual([3, "", message.replaceAll("HOST", reg.host)]);
  });
});

describe.skipIf(!haveEngine)("rivulet template --repo", () => {
  let repo: ChartRepoServer;
  let other: ChartRepoServer;
  const cm = { "templates/cm.yaml": "kind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  chart: {{ .Chart.Version }}\n  greeting: {{ .Values.greeting | quote }}\n", "values.yaml": "greeting: hello\n" };
  beforeAll(async () => {
    repo = await startChartRepoServer({ auth: { username: "tenant", password: "chart-pass" }, basePath: "/charts" });
    for (const version of ["1.0.0", "1.1.0", "2.0.0-rc.1"]) await repo.addChart({ name: "mini", version, files: cm });
    other = await startChartRepoServer({ chartUrls: "absolute" });
    await other.addChart({ name: "mini", version: "1.0.0", files: cm });
  });
  afterAll(async () => {
    await repo?.stop();
    await other?.stop();
  });
  const doc = (version: string, greeting = "hello") => `---\n# Source: mini/templates/cm.yaml\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  chart: ${version}\n  greeting: "${greeting}"`;
  const auth = ["--username", "tenant", "--password", "chart-pass"];

  test("finds the newest release in the index, downloads it with the repository's credentials and renders it", async () => {
    const r = await cli(testdata, "template", "web", "mini", "--repo", repo.url, ...auth, "--set", "greeting=hi");
    expect(r).toEqual({ code: 0, out: doc("1.1.0", "hi"), err: `Pulled: ${repo.url}/charts/mini-1.1.0.tgz` });
    expect(repo.requests.slice(-2)).toEqual(["GET /charts/index.yaml 200 with credentials", "GET /charts/charts/mini-1.1.0.tgz 200 with credentials"]);
  });

  test("--version picks a range or an exact version; --devel lets a prerelease win", async () => {
    expect((await cli(testdata, "template", "web", "mini", "--repo", repo.url, ...auth, "--version", "~1.0")).out).toBe(doc("1.0.0"));
    expect((await cli(testdata, "template", "web", "mini", "--repo", repo.url, ...auth, "--devel")).out).toBe(doc("2.0.0-rc.1"));
  });

  test.each([
    [["mini", "--version", ">=3"], 'Error: chart "mini" version ">=3" not found in REPO repository'],
    [["nothing"], 'Error: chart "nothing" not found in REPO repository'],
  ])("%j fails with Helm's message", async (args, message) => {
    const r = await cli(testdata, "template", "web", ...args, "--repo", repo.url, ...auth);
    expect([r.code, r.out, r.err]).toEqual([3, "", message.replace("REPO", repo.url)]);
  });

  test("wrong credentials fail on the index, naming its address and the status, not the password", async () => {
    const r = await cli(testdata, "template", "web", "mini", "--repo", repo.url, "--username", "tenant", "--password", "wrong");
    expect([r.code, r.err]).toEqual([3, `Error: failed to fetch ${repo.url}/index.yaml : 401 Unauthorized`]);
  });

  test("a chart whose bytes differ from the index's digest is refused", async () => {
    const index = other.indexText();
    other.overrideIndex(index.replace(/digest: \S+/, `digest: ${"ab".repeat(32)}`));
    try {
      const r = await cli(testdata, "template", "web", "mini", "--repo", other.url);
      expect(r.code).toBe(3);
      expect(r.err).toMatch(new RegExp(`^Error: the chart from ${other.url}/(charts/)?mini-1.0.0.tgz has sha256 digest [0-9a-f]{64}, the index says (ab){32}$`));
    } finally {
      other.overrideIndex(undefined);
    }
  });

  test("--repo with an oci:// chart is a usage error", async () => {
    const r = await cli(testdata, "template", "web", "oci://example.invalid/mini", "--repo", repo.url);
    expect(r.code).toBe(2);
  });
});

describe("globMatcher follows Go's filepath.Match", () => {
  test.each([
    ["templates/*.yaml", "templates/cm.yaml", true],
    ["templates/*.yaml", "templates/tests/pod.yaml", false],
    ["templates/?m.yaml", "templates/cm.yaml", true],
    ["templates/[a-c]m.yaml", "templates/cm.yaml", true],
    ["templates/[^a-c]m.yaml", "templates/cm.yaml", false],
    ["templates/\\*.yaml", "templates/*.yaml", true],
    ["templates/[", "templates/[", false],
    ["charts/*/templates/*", "charts/db/templates/secret.yaml", true],
  ])("%s on %s is %p", (pattern, path, want) => {
    expect(globMatcher(pattern)(path)).toBe(want);
  });
});
