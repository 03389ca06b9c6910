import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { canonicalJson, canonicalText, normalizeObject } from "./canonical.ts";

const json = fc.jsonValue({ maxDepth: 4 });
const shuffleKeys = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(shuffleKeys);
  if (v && typeof v === "object") {
    const entries = Object.entries(v).reverse();
    return Object.fromEntries(entries.map(([k, x]) => [k, shuffleKeys(x)]));
  }
  return v;
};

describe("normalizeObject", () => {
  test("is idempotent", () => {
    fc.assert(fc.property(json, (v) => expect(normalizeObject(normalizeObject(v))).toEqual(normalizeObject(v))));
  });

  test("canonical JSON does not depend on key order", () => {
    fc.assert(fc.property(json, (v) => canonicalJson(normalizeObject(v)) === canonicalJson(normalizeObject(shuffleKeys(v)))));
  });

  test("canonical text (the fast path) does not depend on key order either, integer-like keys included", () => {
    const withIntKeys = fc.dictionary(fc.oneof(fc.nat({ max: 20 }).map(String), fc.string({ maxLength: 3 })), json, { maxKeys: 6 });
    fc.assert(fc.property(withIntKeys, (v) => canonicalText(v) === canonicalText(shuffleKeys(v))));
    fc.assert(fc.property(json, (v) => canonicalText(v) === canonicalText(shuffleKeys(v))));
  });

  test("canonical text parses back to the normalized value", () => {
    fc.assert(fc.property(json, (v) => expect(JSON.parse(canonicalText(v))).toEqual(normalizeObject(v))));
  });

  test("canonical JSON parses back to the normalized value", () => {
    fc.assert(fc.property(json, (v) => expect(JSON.parse(canonicalJson(normalizeObject(v)))).toEqual(normalizeObject(v))));
  });

  const pod = (ports: unknown[], limits: Record<string, unknown>) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "w", namespace: "n", creationTimestamp: null, resourceVersion: "9", managedFields: [] },
    spec: { template: { spec: { containers: [{ name: "c", ports, resources: { limits } }] } } },
    status: { replicas: 1 },
  });

  test("desired and live forms of the same Deployment normalize alike", () => {
    const desired = pod([{ containerPort: 80 }], { cpu: "1000m", memory: "1024Mi" });
    const live = pod([{ containerPort: 80, protocol: "TCP" }], { cpu: "1", memory: "1Gi" });
    expect(canonicalJson(normalizeObject(desired))).toBe(canonicalJson(normalizeObject(live)));
    expect(canonicalText(desired)).toBe(canonicalText(live));
  });

  test("a defaulted protocol lands in sorted key order, as the live object has it", () => {
    const desired = { kind: "Service", spec: { ports: [{ name: "http", port: 80, targetPort: 8080 }] } };
    const live = { kind: "Service", spec: { ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }] } };
    expect(canonicalText(desired)).toBe(canonicalText(live));
  });

  test.each([
    ["a different port", pod([{ containerPort: 81 }], { cpu: "1" })],
    ["a different protocol", pod([{ containerPort: 80, protocol: "UDP" }], { cpu: "1" })],
    ["a different cpu", pod([{ containerPort: 80 }], { cpu: "1001m" })],
  ])("%s still differs", (_what, other) => {
    const base = pod([{ containerPort: 80 }], { cpu: "1" });
    expect(canonicalJson(normalizeObject(base))).not.toBe(canonicalJson(normalizeObject(other)));
  });

  test("Service ports get the default protocol, other lists named ports do not", () => {
    const svc = normalizeObject({ kind: "Service", spec: { ports: [{ port: 80 }] } }) as { spec: { ports: unknown[] } };
    expect(svc.spec.ports).toEqual([{ port: 80, protocol: "TCP" }]);
    const cr = normalizeObject({ kind: "Thing", spec: { ports: [{ port: 80 }] } }) as { spec: { ports: unknown[] } };
    expect(cr.spec.ports).toEqual([{ port: 80 }]);
  });

  test("Secret stringData folds into base64 data and wins over data", () => {
    const s = normalizeObject({ kind: "Secret", data: { a: "eA==", b: "eQ==" }, stringData: { b: "zé" } }) as Record<string, unknown>;
    expect(s).toEqual({ kind: "Secret", data: { a: "eA==", b: "esOp" } });
  });

  test("status stays on CustomResourceDefinitions only", () => {
    expect((normalizeObject({ kind: "CustomResourceDefinition", status: { a: 1 } }) as Record<string, unknown>).status).toEqual({ a: 1 });
    expect((normalizeObject({ kind: "ConfigMap", status: { a: 1 } }) as Record<string, unknown>).status).toBeUndefined();
  });

  test("list order is kept (a reordered list is a change a dry-run reports)", () => {
    const a = normalizeObject({ kind: "X", spec: { env: [{ name: "A" }, { name: "B" }] } });
    const b = normalizeObject({ kind: "X", spec: { env: [{ name: "B" }, { name: "A" }] } });
    expect(canonicalJson(a)).not.toBe(canonicalJson(b));
  });
});
