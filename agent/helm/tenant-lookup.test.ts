import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { kindScope, type ApiResourceList } from "./cluster-capabilities.ts";
import { createTemplateEngine, type Lookup, type RenderRequest } from "./template-engine.ts";
import { requestOf, scope } from "./template-engine.test.ts";
import { tenantLookup } from "./tenant-lookup.ts";
import { helmTemplateBuild, helmWasmPort } from "../runtime/helm-wasm.ts";

const discovery: ApiResourceList[] = [
  { groupVersion: "v1", resources: [{ name: "secrets", kind: "Secret", namespaced: true }, { name: "namespaces", kind: "Namespace", namespaced: false }] },
];
const isNamespaced = async (apiVersion: string, kind: string) => kindScope(discovery, apiVersion, kind);

/** A fake cluster: it records what it was asked and answers from a table keyed by the four arguments. */
function fakeCluster(objects: Record<string, object> = {}) {
  const asked: string[] = [];
  const lookup: Lookup = async (...args) => {
    const key = args.join(" ");
    asked.push(key);
    if (key.endsWith(" forbidden")) throw new Error(`secrets "forbidden" is forbidden: User "system:serviceaccount:tenant-a:agent" cannot get resource "secrets"`);
    return objects[key];
  };
  return { lookup, asked };
}

describe("tenantLookup keeps a tenant's templates in the release namespace", () => {
  test.each([
    ["another namespace", ["v1", "Secret", "tenant-b", "db"], "Secret/tenant-b/db: cannot look up: cross-namespace lookups are not allowed for a tenant's agent (release namespace tenant-a)"],
    ["all namespaces", ["v1", "Secret", "", ""], "Secret/*: cannot look up: cross-namespace lookups are not allowed for a tenant's agent (release namespace tenant-a)"],
    ["a cluster-scoped kind", ["v1", "Namespace", "", "kube-system"], "Namespace/kube-system: cannot look up: cluster-scoped kinds are not readable by a tenant's agent"],
    ["a cluster-scoped kind named with the release namespace", ["v1", "Namespace", "tenant-a", "x"], "Namespace/tenant-a/x: cannot look up: cluster-scoped kinds are not readable by a tenant's agent"],
    ["a kind the cluster does not serve", ["v1", "Widget", "tenant-a", "w"], "Widget/tenant-a/w: cannot look up: the cluster serves no kind Widget in v1"],
  ] as const)("refuses %s before asking the cluster", async (_name, [apiVersion, kind, namespace, name], message) => {
    const cluster = fakeCluster();
    const lookup = tenantLookup({ namespace: "tenant-a", isNamespaced }, cluster.lookup);
    const err = await lookup(apiVersion, kind, namespace, name).then(() => undefined, (e: unknown) => e);
    expect((err as Error | undefined)?.message).toBe(message);
    expect(cluster.asked).toEqual([]);
  });

  test("passes the release namespace's lookups through, named and listed", async () => {
    const cluster = fakeCluster({ "v1 Secret tenant-a db": { kind: "Secret" } });
    const lookup = tenantLookup({ namespace: "tenant-a", isNamespaced }, cluster.lookup);
    expect(await lookup("v1", "Secret", "tenant-a", "db")).toEqual({ kind: "Secret" });
    expect(await lookup("v1", "Secret", "tenant-a", "")).toBeUndefined();
    expect(cluster.asked).toEqual(["v1 Secret tenant-a db", "v1 Secret tenant-a "]);
  });

  test("allowClusterRead lets a platform agent read anywhere without asking discovery", async () => {
    const cluster = fakeCluster({ "v1 Namespace  kube-system": { kind: "Namespace" } });
    const lookup = tenantLookup({ namespace: "tenant-a", allowClusterRead: true, isNamespaced: () => Promise.reject(new Error("not asked")) }, cluster.lookup);
    expect(await lookup("v1", "Namespace", "", "kube-system")).toEqual({ kind: "Namespace" });
    expect(await lookup("v1", "Secret", "tenant-b", "db")).toBeUndefined();
  });
});

const built = existsSync(helmTemplateBuild.wasm);
const engine = createTemplateEngine(helmWasmPort);

function request(text: string): RenderRequest {
  return requestOf({ templates: [{ name: "c/templates/t.yaml", data: text }], scopes: { c: scope({ chart: { name: "c", version: "1.0.0" } }) } });
}

async function renderWith(text: string, lookup?: Lookup) {
  const result = await engine.render(request(text), { lookup });
  return "error" in result ? { error: result.error } : result.rendered.get("c/templates/t.yaml");
}

describe.skipIf(!built)("lookup in templates rendered by the WASM engine", () => {
  const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "tenant-a" }, data: { password: "czNjcjN0" }, replicas: 1000000 };
  const list = { apiVersion: "v1", kind: "SecretList", items: [{ metadata: { name: "a" } }, { metadata: { name: "b" } }] };
  const cluster = fakeCluster({ "v1 Secret tenant-a db": secret, "v1 Secret tenant-a ": list });
  const lookup = tenantLookup({ namespace: "tenant-a", isNamespaced }, cluster.lookup);

  test.each([
    ["a found object is a map", `{{ (lookup "v1" "Secret" "tenant-a" "db").data.password }} {{ (lookup "v1" "Secret" "tenant-a" "db").replicas }}`, "czNjcjN0 1000000"],
    ["a missing object is an empty map", `{{ lookup "v1" "Secret" "tenant-a" "nope" }} {{ if not (lookup "v1" "Secret" "tenant-a" "nope") }}create{{ end }}`, "map[] create"],
    ["an empty name lists", `{{ range (lookup "v1" "Secret" "tenant-a" "").items }}{{ .metadata.name }} {{ end }}`, "a b "],
    [
      "another error fails the render with its message",
      `{{ lookup "v1" "Secret" "tenant-a" "forbidden" }}`,
      { error: `template: c/templates/t.yaml:1:3: executing "c/templates/t.yaml" at <lookup "v1" "Secret" "tenant-a" "forbidden">: error calling lookup: secrets "forbidden" is forbidden: User "system:serviceaccount:tenant-a:agent" cannot get resource "secrets"` },
    ],
    [
      "a cross-namespace lookup is refused",
      `{{ lookup "v1" "Secret" "tenant-b" "db" }}`,
      { error: `template: c/templates/t.yaml:1:3: executing "c/templates/t.yaml" at <lookup "v1" "Secret" "tenant-b" "db">: error calling lookup: Secret/tenant-b/db: cannot look up: cross-namespace lookups are not allowed for a tenant's agent (release namespace tenant-a)` },
    ],
  ] as const)("%s", async (_name, text, want) => {
    expect(await renderWith(text, lookup)).toEqual(want);
  });

  test("without a lookup function templates find nothing, as under helm template", async () => {
    expect(await renderWith(`{{ lookup "v1" "Secret" "tenant-a" "db" | toJson }}`)).toBe("{}");
  });

  test("renders that wait on lookups run side by side", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: Lookup = async () => {
      await gate;
      return { v: "slow" };
    };
    const first = renderWith(`{{ (lookup "v1" "Secret" "tenant-a" "x").v }}`, slow);
    // A second render completes while the first is still blocked on its lookup.
    expect(await renderWith(`{{ (lookup "v1" "Secret" "tenant-a" "y").v }}`, async () => ({ v: "fast" }))).toBe("fast");
    release();
    expect(await first).toBe("slow");
  });
});
