import { expect, test } from "bun:test";
import fc from "fast-check";
import type { FluxObject } from "./reconciler.ts";
import { ReferenceIndex, secretNames } from "./reference-index.ts";

const KINDS = ["GitRepository", "OCIRepository", "Kustomization", "HelmRelease", "HelmChart", "ImagePolicy", "ImageRepository", "ImageUpdateAutomation"];
const NAMES = ["a", "b", "c", "ns-a"];
const NS = "ns";

/**
 * The scans the index replaces (agent/reconcile/manager.ts before issue 24's 5,000 run), kept as the
 * oracle: every cached object of every kind, tested one by one.
 */
const scan = {
  usersOf(caches: Map<string, Map<string, FluxObject>>, kind: string, name: string): string[] {
    const out: string[] = [];
    for (const [ck, cache] of caches) {
      for (const o of cache.values()) {
        const spec = (o.spec ?? {}) as { sourceRef?: { kind?: string; name?: string; namespace?: string }; include?: Array<{ repository?: { name?: string } }> };
        const sr = spec.sourceRef;
        const viaRef = sr?.kind === kind && sr.name === name && (!sr.namespace || sr.namespace === o.metadata.namespace);
        const viaInclude = kind === "GitRepository" && spec.include?.some((i) => i.repository?.name === name);
        const viaPolicy = kind === "ImagePolicy" && o.kind === "ImageUpdateAutomation";
        const chart = (() => {
          if (o.kind !== "HelmRelease") return false;
          const s = o.spec as { chart?: unknown; chartRef?: { kind?: string; name?: string } };
          if (s.chartRef) return s.chartRef.kind === kind && s.chartRef.name === name;
          return !!s.chart && kind === "HelmChart" && name === `${o.metadata.namespace}-${o.metadata.name}`;
        })();
        const repo = (() => {
          if (o.kind !== "ImagePolicy" || kind !== "ImageRepository") return false;
          const ref = (o.spec as { imageRepositoryRef?: { name?: string; namespace?: string } }).imageRepositoryRef;
          return ref?.name === name && (!ref.namespace || ref.namespace === o.metadata.namespace);
        })();
        if (viaRef || viaInclude || viaPolicy || chart || repo) out.push(`${ck}/${o.metadata.name}`);
      }
    }
    return out;
  },
  dependentsOf(caches: Map<string, Map<string, FluxObject>>, kind: string, name: string): string[] {
    const out: string[] = [];
    for (const [ck, cache] of caches) {
      if (ck !== kind && ck !== "HelmRelease") continue;
      for (const o of cache.values()) {
        const deps = (o.spec as { dependsOn?: Array<{ name?: string; namespace?: string }> } | undefined)?.dependsOn;
        if (deps?.some((d) => d.name === name && (!d.namespace || d.namespace === o.metadata.namespace))) out.push(`${ck}/${o.metadata.name}`);
      }
    }
    return out;
  },
  usersOfSecret(caches: Map<string, Map<string, FluxObject>>, name: string): string[] {
    const out: string[] = [];
    for (const [ck, cache] of caches) for (const o of cache.values()) if (secretNames(o).includes(name)) out.push(`${ck}/${o.metadata.name}`);
    return out;
  },
};

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const kindA = fc.constantFrom(...KINDS);
const nameA = fc.constantFrom(...NAMES);
const nsA = maybe(fc.constantFrom(NS, "other"));
const specA = fc.record(
  {
    sourceRef: fc.record({ kind: maybe(kindA), name: maybe(nameA), namespace: nsA }),
    include: fc.array(fc.record({ repository: maybe(fc.record({ name: maybe(nameA) })) }), { maxLength: 2 }),
    chart: maybe(fc.constant({ spec: { chart: "podinfo" } })),
    chartRef: maybe(fc.record({ kind: maybe(kindA), name: maybe(nameA) })),
    imageRepositoryRef: maybe(fc.record({ name: maybe(nameA), namespace: nsA })),
    dependsOn: fc.array(fc.record({ name: maybe(nameA), namespace: nsA }), { maxLength: 3 }),
    secretRef: maybe(fc.record({ name: nameA })),
    decryption: maybe(fc.record({ secretRef: fc.record({ name: nameA }) })),
  },
  { requiredKeys: [] },
);
/** One cache change: object `name` of kind `kind` stored with `spec`, or dropped (spec null). */
const changeA = fc.record({ kind: kindA, name: nameA, spec: fc.option(specA, { nil: null }) });

test("the index answers usersOf, dependentsOf and usersOfSecret as a scan of every cached object does, through any sequence of cache changes", () => {
  fc.assert(
    fc.property(fc.array(changeA, { maxLength: 40 }), (changes) => {
      const caches = new Map<string, Map<string, FluxObject>>(KINDS.map((k) => [k, new Map()]));
      const index = new ReferenceIndex();
      for (const c of changes) {
        const cache = caches.get(c.kind)!;
        if (c.spec === null) {
          cache.delete(c.name);
          index.update(c.kind, c.name, undefined);
        } else {
          const obj = { apiVersion: "x/v1", kind: c.kind, metadata: { name: c.name, namespace: NS }, spec: c.spec } as FluxObject;
          cache.set(c.name, obj);
          index.update(c.kind, c.name, obj);
        }
      }
      const sorted = (xs: string[]) => [...xs].sort();
      for (const kind of KINDS) {
        for (const name of NAMES) {
          expect(sorted(index.usersOf(kind, name))).toEqual(sorted(scan.usersOf(caches, kind, name)));
          expect(sorted(index.dependentsOf(kind, name))).toEqual(sorted(scan.dependentsOf(caches, kind, name)));
        }
      }
      for (const name of NAMES) expect(sorted(index.usersOfSecret(name))).toEqual(sorted(scan.usersOfSecret(caches, name)));
    }),
    { numRuns: 500 },
  );
});

test("at 5,000 Kustomizations of one source, 5,000 dependentsOf lookups take milliseconds, not a scan each", () => {
  const index = new ReferenceIndex();
  for (let i = 0; i < 5000; i++) {
    const spec = { sourceRef: { kind: "GitRepository", name: "apps" }, ...(i > 0 ? { dependsOn: [{ name: `app-${i - 1}` }] } : {}) };
    index.update("Kustomization", `app-${i}`, { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: `app-${i}`, namespace: NS }, spec } as FluxObject);
  }
  const t0 = performance.now();
  let found = 0;
  for (let i = 0; i < 5000; i++) found += index.dependentsOf("Kustomization", `app-${i}`).length;
  const ms = performance.now() - t0;
  expect(found).toBe(4999);
  expect(index.usersOf("GitRepository", "apps")).toHaveLength(5000);
  expect(ms).toBeLessThan(200);
});
