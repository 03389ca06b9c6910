import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { strategicMerge } from "./strategic-merge.ts";

// Ports keyed by containerPort and protocol (protocol sometimes left out), env keyed by name.
const port = fc.record({ containerPort: fc.constantFrom(80, 81, 82), protocol: fc.constantFrom("TCP", "UDP", undefined), name: fc.constantFrom("a", "b") }, { requiredKeys: ["containerPort"] })
  .map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)));
const env = fc.record({ name: fc.constantFrom("A", "B", "C", "D"), value: fc.constantFrom("1", "2") });
const uniqueBy = <T>(key: (x: T) => string) => (xs: T[]) => xs.filter((x, i) => xs.findIndex((y) => key(y) === key(x)) === i);
const ports = fc.array(port, { maxLength: 4 }).map(uniqueBy((p) => `${p.containerPort}/${p.protocol ?? ""}`));
const envs = fc.array(env, { maxLength: 4 }).map(uniqueBy((e) => e.name));

const pod = (p: unknown[], e: unknown[]) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", ports: p, env: e }] } });
const containerOf = (o: unknown) => (o as { spec: { containers: Record<string, unknown[]>[] } }).spec.containers[0]!;

describe("strategic merge of lists with merge keys", () => {
  test("applying the same patch twice equals applying it once", () => {
    fc.assert(
      fc.property(ports, envs, ports, envs, (p1, e1, p2, e2) => {
        const patch = { spec: { containers: [{ name: "c", ports: p2, env: e2 }] } };
        const once = strategicMerge(pod(p1, e1), patch)!;
        expect(strategicMerge(once, patch)).toEqual(once);
      }),
    );
  });

  test("a list with one merge key lists the patch's elements first, in patch order, then the rest in their order", () => {
    fc.assert(
      fc.property(envs, envs, (orig, patch) => {
        const out = containerOf(strategicMerge(pod([], orig), { spec: { containers: [{ name: "c", env: patch }] } })).env as { name: string; value: string }[];
        const patched = new Set(patch.map((e) => e.name));
        expect(out.map((e) => e.name)).toEqual([...patch.map((e) => e.name), ...orig.map((e) => e.name).filter((n) => !patched.has(n))]);
        for (const e of out) expect(e.value).toBe((patch.find((p) => p.name === e.name) ?? orig.find((o) => o.name === e.name))!.value);
      }),
    );
  });

  test("ports merged by containerPort and protocol keep the original order after the patch's new ports", () => {
    const orig = [{ containerPort: 80, protocol: "TCP" }, { containerPort: 81, protocol: "UDP" }, { containerPort: 82 }, { containerPort: 83, protocol: "TCP" }];
    const patch = [{ containerPort: 83, protocol: "TCP", name: "x" }, { containerPort: 80, $patch: "delete" }, { containerPort: 90, protocol: "TCP" }, { containerPort: 82, name: "y" }];
    // From kubectl kustomize v5.5.0 (corpus case 61-smp-multi-key-lists): the delete without a protocol matches nothing.
    expect(containerOf(strategicMerge(pod(orig, []), { spec: { containers: [{ name: "c", ports: patch }] } })).ports).toEqual([
      { containerPort: 90, protocol: "TCP" },
      { containerPort: 80, protocol: "TCP" },
      { containerPort: 81, protocol: "UDP" },
      { containerPort: 82, name: "y" },
      { containerPort: 83, protocol: "TCP", name: "x" },
    ]);
  });

  test("null fields vanish from the maps a patch adds, but lists without a merge key are taken as written", () => {
    const value = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof({ depthSize: "small" }, fc.constant(null), fc.string({ maxLength: 3 }), fc.dictionary(fc.constantFrom("a", "b", "c"), tie("v"), { maxKeys: 3 }), fc.array(tie("v"), { maxLength: 2 })),
    })).v;
    const noNullInMaps = (v: unknown): boolean => {
      if (Array.isArray(v)) return true; // taken as written
      if (v === null || typeof v !== "object") return true;
      return Object.values(v).every((x) => x !== null && noNullInMaps(x));
    };
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("x", "y"), value), (added) => {
        const out = strategicMerge(pod([], []), { spec: { extra: added } })!;
        const extra = (out.spec as Record<string, unknown>).extra;
        expect(noNullInMaps(extra)).toBe(true);
        const lists = (v: unknown): unknown[] => (Array.isArray(v) ? [v] : v && typeof v === "object" ? Object.values(v).flatMap(lists) : []);
        const written = lists(added).map((l) => JSON.stringify(l));
        for (const l of lists(extra)) expect(written).toContain(JSON.stringify(l));
      }),
    );
  });
});
