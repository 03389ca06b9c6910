import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FileTree } from "../../artifact/file-tree.ts";
import { pack } from "../../artifact/pack.ts";
import { startRegistry, type TestRegistry } from "../../../test/support/oci-registry.ts";
import { chartTagChoice, chartVersions, pickChartTag } from "./chart-tag.ts";
import { MEDIA } from "./media-types.ts";
import { parseOciReference } from "./oci-reference.ts";
import { pullHelmChart, resolveHelmChart } from "./pull-helm-chart.ts";
import { goMetadata, pushHelmChart } from "./push-helm-chart.ts";
import { RegistryClient } from "./registry-client.ts";

const enc = new TextEncoder();

async function packagedChart(name: string, version: string): Promise<Uint8Array> {
  const files: Record<string, string> = {
    [`${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: ${version}\n`,
    [`${name}/templates/cm.yaml`]: `kind: ConfigMap\ndata:\n  version: ${version}\n`,
  };
  const tree = new FileTree(Object.entries(files).map(([p, c]) => [p, { kind: "file", mode: 0o644, data: enc.encode(c) }]));
  return (await pack(tree)).bytes;
}

const meta = (name: string, version: string, extra: Record<string, unknown> = {}) => ({ apiVersion: "v2", name, version, ...extra });

describe("chartTagChoice, as Helm 4.2's ValidateReference", () => {
  const ref = (s: string) => parseOciReference(s);
  const digest = `sha256:${"a".repeat(64)}`;
  test.each([
    ["oci://r.example/charts/web", undefined, { kind: "range", version: "" }],
    ["oci://r.example/charts/web", "1.2.3", { kind: "tag", tag: "1.2.3" }],
    ["oci://r.example/charts/web", "v1.2", { kind: "tag", tag: "v1.2" }],
    ["oci://r.example/charts/web", "1.2.3+build.1", { kind: "tag", tag: "1.2.3_build.1" }],
    ["oci://r.example/charts/web", "^1.2", { kind: "range", version: "^1.2" }],
    ["oci://r.example/charts/web:1.0.0", undefined, { kind: "tag", tag: "1.0.0" }],
    ["oci://r.example/charts/web:1.0.0", "1.0.0", { kind: "tag", tag: "1.0.0" }],
    [`oci://r.example/charts/web@${digest}`, undefined, { kind: "digest", digest }],
    [`oci://r.example/charts/web:1.0.0@${digest}`, undefined, { kind: "digest", digest, checkTag: "1.0.0" }],
  ] as const)("%p at version %p", (url, version, choice) => {
    expect(chartTagChoice(ref(url), version)).toEqual(choice);
  });

  test("a version that disagrees with the reference's tag is refused with Helm's words", () => {
    expect(() => chartTagChoice(ref("oci://r.example/charts/web:1.0.0"), "2.0.0")).toThrow("chart reference and version mismatch: 2.0.0 is not 1.0.0");
  });
});

describe("pickChartTag, as Helm 4.2's Tags and GetTagMatchingVersionOrConstraint", () => {
  const tags = ["1.0.0", "1.2.0", "latest", "v1.3.0", "1.10.0-rc.1", "1.9.0_build.2", "2.0.0", "01.0.0"];

  test("only strict semver tags count, `_` read as `+`, newest first", () => {
    expect(chartVersions(tags)).toEqual(["2.0.0", "1.10.0-rc.1", "1.9.0+build.2", "1.2.0", "1.0.0"]);
  });

  test.each([
    ["", "2.0.0"],
    ["^1.0", "1.9.0_build.2"],
    ["~1.2", "1.2.0"],
    [">=1.10.0-0 <2", "1.10.0-rc.1"],
    ["1.9.0+build.2", "1.9.0_build.2"],
    ["<1.1 || >3", "1.0.0"],
  ])("version %p picks the tag %p", (version, tag) => {
    expect(pickChartTag(tags, version, "oci://r.example/web")).toBe(tag);
  });

  test.each([
    [["latest"], "^1", "unable to locate any tags in provided repository: oci://r.example/web"],
    [tags, "^3", "could not locate a version matching provided version string ^3"],
    [tags, "not-a-range", `improper constraint: "not-a-range"`],
  ] as const)("tags %p with %p fail: %p", (list, version, message) => {
    expect(() => pickChartTag([...list], version, "oci://r.example/web")).toThrow(message);
  });
});

describe("goMetadata writes Chart.yaml as Go marshals Helm's Metadata", () => {
  test("struct field order, empty fields left out, dependency name and repository always", () => {
    const json = JSON.stringify(goMetadata({
      version: "1.0.0", type: "application", name: "web", apiVersion: "v2", deprecated: false, keywords: [], description: "",
      annotations: { b: "2", a: "1" }, dependencies: [{ version: "1.x", name: "db", condition: "" }],
      maintainers: [{ email: "o@example.com", name: "Ops" }],
    }));
    expect(json).toBe('{"name":"web","version":"1.0.0","maintainers":[{"name":"Ops","email":"o@example.com"}],"apiVersion":"v2","annotations":{"a":"1","b":"2"},"dependencies":[{"name":"db","version":"1.x","repository":""}],"type":"application"}');
  });
});

let reg: TestRegistry;
const repo = "charts/web";
const url = () => `oci://${reg.host}/${repo}`;
const src = (u = url(), version?: string) => ({ url: u, version, fetch, insecure: true });
const pushed: Record<string, { digest: string; chart: Uint8Array }> = {};

beforeAll(async () => {
  reg = await startRegistry();
  const client = new RegistryClient({ host: reg.host, repository: repo, fetch, insecure: true });
  for (const v of ["1.0.0", "1.2.0", "1.3.0+build.7", "2.0.0-rc.1"]) {
    const chart = await packagedChart("web", v);
    const extra = v === "1.2.0"
      ? { description: "A web app", home: "https://web.example", sources: ["https://git.example/web", "https://mirror.example/web"], maintainers: [{ name: "Ops", email: "ops@example.com" }, { name: "Dev" }], annotations: { "org.opencontainers.image.title": "ignored", team: "blue" } }
      : {};
    const r = await pushHelmChart(client, { chart, metadata: meta("web", v, extra), created: "2026-01-02T03:04:05Z" });
    pushed[v] = { digest: r.digest, chart };
  }
  // A Flux artifact in the same registry: not a chart.
  const other = new RegistryClient({ host: reg.host, repository: "charts/not-a-chart", fetch, insecure: true });
  const layer = await other.pushBlob(enc.encode("layer"));
  const cfg = await other.pushBlob(enc.encode("{}"));
  await other.putManifest("1.0.0", enc.encode(JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.helmConfig, digest: cfg.digest, size: cfg.size },
    layers: [{ mediaType: MEDIA.fluxContent, digest: layer.digest, size: layer.size }],
  })), MEDIA.ociManifest);
});

afterAll(async () => {
  await reg?.stop();
});

describe("pullHelmChart against distribution 2.8", () => {
  test("a range resolves against the tags and pulls the newest match, its .tgz unchanged", async () => {
    const r = await pullHelmChart(src(url(), "^1.0.0"));
    expect(r.tag).toBe("1.3.0_build.7");
    expect(r.ref).toBe(`${reg.host}/${repo}:1.3.0_build.7`);
    expect(r.digest).toBe(pushed["1.3.0+build.7"]!.digest);
    expect(r.chart.bytes).toEqual(pushed["1.3.0+build.7"]!.chart);
    expect(r.chart.mediaType).toBe(MEDIA.helmChart);
    expect(r.metadata).toEqual({ name: "web", version: "1.3.0+build.7", apiVersion: "v2" });
  });

  test("no version picks the newest release, not the prerelease", async () => {
    expect((await resolveHelmChart(src())).tag).toBe("1.3.0_build.7");
  });

  test("the manifest carries helm push's annotations from Chart.yaml", async () => {
    const r = await pullHelmChart(src(`${url()}:1.2.0`));
    expect(r.annotations).toEqual({
      "org.opencontainers.image.created": "2026-01-02T03:04:05Z",
      "org.opencontainers.image.description": "A web app",
      "org.opencontainers.image.title": "web",
      "org.opencontainers.image.version": "1.2.0",
      "org.opencontainers.image.url": "https://web.example",
      "org.opencontainers.image.source": "https://git.example/web",
      "org.opencontainers.image.authors": "Ops (ops@example.com), Dev",
      team: "blue",
    });
  });

  test("an exact version and a digest pull the same manifest; a digest the tag does not name is refused", async () => {
    const byVersion = await resolveHelmChart(src(url(), "1.2.0"));
    expect(byVersion.digest).toBe(pushed["1.2.0"]!.digest);
    const byDigest = await pullHelmChart(src(`${url()}@${pushed["1.2.0"]!.digest}`));
    expect(byDigest.chart.bytes).toEqual(pushed["1.2.0"]!.chart);
    await expect(resolveHelmChart(src(`${url()}:1.0.0@${pushed["1.2.0"]!.digest}`))).rejects.toThrow(
      `chart reference digest mismatch: ${pushed["1.0.0"]!.digest} is not ${pushed["1.2.0"]!.digest}`,
    );
  });

  test.each([
    ["a missing version", () => src(url(), "9.9.9"), "Cannot pull the chart HOST/charts/web:9.9.9: not found"],
    ["a range nothing satisfies", () => src(url(), ">=3"), "could not locate a version matching provided version string >=3"],
    ["a repository without tags", () => src(`oci://${reg.host}/charts/none`, "^1"), "unable to locate any tags in provided repository: oci://HOST/charts/none"],
    ["a manifest without a chart layer", () => src(`oci://${reg.host}/charts/not-a-chart`, "1.0.0"), `Cannot pull the chart HOST/charts/not-a-chart:1.0.0: manifest does not contain a layer with mediatype ${MEDIA.helmChart}`],
  ])("%s is a clear error", async (_, source, message) => {
    await expect(pullHelmChart(source())).rejects.toThrow(message.replaceAll("HOST", reg.host));
  });

  test("a chart over the size cap is refused before it is downloaded", async () => {
    await expect(pullHelmChart(src(url(), "1.0.0"), { maxChartSize: 10 })).rejects.toThrow("over the limit of 10 bytes");
  });
});

describe("pullHelmChart with registry auth", () => {
  let secured: TestRegistry;
  beforeAll(async () => {
    secured = await startRegistry({ auth: true });
    const client = new RegistryClient({ host: secured.host, repository: repo, fetch, insecure: true, credentials: { username: secured.username!, password: secured.password! } });
    await pushHelmChart(client, { chart: await packagedChart("web", "1.0.0"), metadata: meta("web", "1.0.0") });
  });
  afterAll(async () => {
    await secured?.stop();
  });

  test("pulls with credentials, and says so when they are missing or wrong", async () => {
    const at = `oci://${secured.host}/${repo}`;
    const ok = await pullHelmChart({ ...src(at, "1.0.0"), credentials: { username: secured.username!, password: secured.password! } });
    expect(ok.metadata.version).toBe("1.0.0");
    await expect(pullHelmChart(src(at, "1.0.0"))).rejects.toThrow(`Cannot authenticate to ${secured.host}: the registry asks for credentials and none were given`);
    await expect(pullHelmChart({ ...src(at, "1.0.0"), credentials: { username: "tenant", password: "wrong" } })).rejects.toThrow(`Cannot authenticate to ${secured.host}: the registry refused the credentials`);
  });
});
