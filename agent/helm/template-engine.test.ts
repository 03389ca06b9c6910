import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { base64Decode } from "../core/bytes.ts";
import { createTemplateEngine, encodeRequest, type RenderRequest, type TemplateScope } from "./template-engine.ts";
import { helmTemplateBuild, helmWasmPort } from "../runtime/helm-wasm.ts";

const repoRoot = join(import.meta.dirname, "..", "..");
const fixtures = join(repoRoot, "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");
const built = existsSync(helmTemplateBuild.wasm);

// The engine's tests skip where the module is not built (a checkout before `npm run build:wasm`). CI builds
// it (scripts/install-deps.sh), so there a missing module is a failure, never a silent skip.
test("the WASM engine is built wherever CI runs the tests", () => {
  if (process.env.CI) expect({ built, path: helmTemplateBuild.wasm.pathname }).toEqual({ built: true, path: helmTemplateBuild.wasm.pathname });
});
const engine = createTemplateEngine(helmWasmPort);

/** Decodes a release as Helm stores it: base64, gzip, JSON. */
function readRelease(name: string) {
  const raw = readFileSync(join(fixtures, name), "utf8");
  return JSON.parse(new TextDecoder().decode(gunzipSync(Uint8Array.from(atob(raw), (c) => c.charCodeAt(0))))) as {
    name: string;
    namespace: string;
    manifest: string;
    info: { notes: string };
    chart: {
      metadata: TemplateScope["chart"];
      values: Record<string, unknown>;
      templates: { name: string; data: string }[];
      files: { name: string; data: string }[];
    };
  };
}

const decodeB64 = (s: string) => new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));

/** Helm's split of one template's output into documents (releaseutil.SplitManifests), trimmed, no empties. */
function splitDocuments(text: string): string[] {
  return text.trim().split(/(?:^|\s*\n)---\s*/).map((d) => d.trim()).filter((d) => d !== "");
}

/** The stored manifest as `# Source: name\ncontent` entries, in any order. */
function manifestEntries(manifest: string): string[] {
  return manifest.split(/^---\n(?=# Source: )/m).filter((e) => e !== "").map((e) => e.replace(/\n$/, "")).sort();
}

export function scope(over: Partial<TemplateScope> & { chart: TemplateScope["chart"] }): TemplateScope {
  return { values: {}, files: [], ...over };
}

/** A request with a test release and capabilities unless given. */
export function requestOf(r: Pick<RenderRequest, "templates" | "scopes"> & Partial<RenderRequest>): RenderRequest {
  return {
    release: { name: "rel", namespace: "ns", isInstall: true, isUpgrade: false, revision: 1, service: "Helm" },
    capabilities: {
      kubeVersion: { version: "v1.20.0", major: "1", minor: "20" },
      apiVersions: ["v1", "apps/v1"],
      helmVersion: { version: "v3.19.0" },
    },
    ...r,
  };
}

describe("the template engine facade", () => {
  test("encodeRequest lays the files' bytes end to end beside the JSON, each file named with its offset and size", () => {
    const enc = new TextEncoder();
    const { json, fileBytes } = encodeRequest(requestOf({
      templates: [],
      scopes: {
        a: scope({ chart: { name: "a" }, files: [{ name: "x", data: enc.encode("one") }, { name: "bin", data: new Uint8Array([0, 255]) }] }),
        "a/charts/b": scope({ chart: { name: "b" }, files: [{ name: "y", data: enc.encode("two") }, { name: "empty", data: new Uint8Array() }] }),
      },
    }));
    expect([...fileBytes]).toEqual([...enc.encode("one"), 0, 255, ...enc.encode("two")]);
    const scopes = JSON.parse(json).scopes;
    expect(scopes.a.files).toEqual([{ name: "x", offset: 0, size: 3 }, { name: "bin", offset: 3, size: 2 }]);
    expect(scopes["a/charts/b"].files).toEqual([{ name: "y", offset: 5, size: 3 }, { name: "empty", offset: 8, size: 0 }]);
    expect(json).not.toContain("\n");
  });

  test("loads nothing until the first render, and retries a load that failed", async () => {
    const calls: string[] = [];
    const failing = createTemplateEngine({
      moduleBytes: async () => {
        calls.push("bytes");
        throw new Error("no module here");
      },
      goRuntime: async () => {
        calls.push("glue");
        throw new Error("no glue here");
      },
    });
    expect(calls).toEqual([]);
    const request = requestOf({ templates: [], scopes: {} });
    await expect(failing.render(request)).rejects.toThrow("no module here");
    await expect(failing.render(request)).rejects.toThrow("no module here");
    expect(calls.filter((c) => c === "bytes").length).toBe(2);
  });

  test("a render waiting on a lookup fails when the Go program exits, and the next render starts a fresh one", async () => {
    let started = 0;
    class ExitingGo {
      importObject = {};
      run() {
        started++;
        // The module answers a render with lookup by a promise, then the program dies before it settles.
        (globalThis as Record<string, unknown>).rivuletHelmTemplate = () => new Promise(() => {});
        return new Promise<void>((resolve) => setTimeout(resolve, 1));
      }
    }
    const emptyModule = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    const engine = createTemplateEngine({ moduleBytes: async () => emptyModule, goRuntime: async () => ExitingGo });
    const request = requestOf({ templates: [], scopes: {} });
    const lookup = async () => undefined;
    await expect(engine.render(request, { lookup })).rejects.toThrow("Cannot render the templates: the Helm template engine stopped");
    await expect(engine.render(request, { lookup })).rejects.toThrow("Cannot render the templates: the Helm template engine stopped");
    expect(started).toBe(2);
  });
});

describe.skipIf(!built)("the engine's memory", () => {
  const counting = () => {
    const calls = { loads: 0, collections: 0 };
    const port = { ...helmWasmPort, moduleBytes: () => (calls.loads++, helmWasmPort.moduleBytes()), collectGarbage: () => void calls.collections++ };
    return { calls, port };
  };
  const tiny = () => requestOf({ templates: [{ name: "c/templates/a.yaml", data: "a: {{ .Release.Name }}" }], scopes: { c: scope({ chart: { name: "c" } }) } });

  test("unloads after the quiet period, gives the memory back, and loads again for the next render", async () => {
    const { calls, port } = counting();
    const e = createTemplateEngine(port, { unloadAfterMs: 50 });
    expect(await e.render(tiny())).toEqual({ rendered: new Map([["c/templates/a.yaml", "a: rel"]]) });
    await e.render(tiny());
    expect(calls).toEqual({ loads: 1, collections: 0 });
    await new Promise((r) => setTimeout(r, 120));
    expect(calls).toEqual({ loads: 1, collections: 1 });
    expect(await e.render(tiny())).toEqual({ rendered: new Map([["c/templates/a.yaml", "a: rel"]]) });
    expect(calls.loads).toBe(2);
  });

  test("stays loaded without a quiet period", async () => {
    const { calls, port } = counting();
    const e = createTemplateEngine(port);
    await e.render(tiny());
    await new Promise((r) => setTimeout(r, 120));
    await e.render(tiny());
    expect(calls).toEqual({ loads: 1, collections: 0 });
  });
});

describe.skipIf(!built || !existsSync(fixtures))("the Helm template engine (WASM)", () => {
  test("renders the istio-base release's templates byte for byte as Helm stored them", async () => {
    const rel = readRelease("istio-base-1");
    const chart = rel.chart.metadata.name;
    const request = requestOf({
      templates: rel.chart.templates.map((t) => ({ name: `${chart}/${t.name}`, data: decodeB64(t.data) })),
      scopes: { [chart]: scope({ chart: rel.chart.metadata, values: rel.chart.values, files: rel.chart.files.map((f) => ({ name: f.name, data: base64Decode(f.data) })) }) },
      release: { name: rel.name, namespace: rel.namespace, isInstall: true, isUpgrade: false, revision: 1, service: "Helm" },
    });
    const result = await engine.render(request);
    if ("error" in result) throw new Error(result.error);
    const notes = `${chart}/templates/NOTES.txt`;
    const ours = [...result.rendered]
      .filter(([name]) => name !== notes)
      .flatMap(([name, text]) => splitDocuments(text).map((doc) => `# Source: ${name}\n${doc}`))
      .sort();
    expect(ours).toEqual(manifestEntries(rel.manifest));
    expect(ours.length).toBe(9);
    expect(result.rendered.get(notes)).toBe(rel.info.notes);
  });

  test("loads once and reuses the instance across renders", async () => {
    const request = requestOf({
      templates: [{ name: "c/templates/a.yaml", data: "{{ .Values.n }} {{ .Release.Name }} {{ .Chart.Name }}" }],
      scopes: { c: scope({ chart: { name: "c" }, values: { n: 1000000 } }) },
    });
    for (let i = 0; i < 3; i++) {
      expect(await engine.render(request)).toEqual({ rendered: new Map([["c/templates/a.yaml", "1e+06 rel c"]]) });
    }
  });
});
