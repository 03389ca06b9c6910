import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { canonicalQuantity, quantityNanos } from "./quantity.ts";

describe("canonicalQuantity", () => {
  // Pinned from a Kubernetes 1.20 API server (test/integration/diff-normalize.test.ts checks them live).
  test.each([
    ["1000m", "1"],
    ["1024Mi", "1Gi"],
    ["0.5", "500m"],
    ["1.5Gi", "1536Mi"],
    ["100Mi", "100Mi"],
    ["1000", "1k"],
    ["1500", "1500"],
    ["1e3", "1e3"],
    ["1.5e3", "1500"],
    ["0", "0"],
    ["0Gi", "0"],
    ["512Ki", "512Ki"],
    ["1.5Ki", "1536"],
    ["100m", "100m"],
    ["0.1", "100m"],
    ["2", "2"],
    ["1n", "1n"],
    ["0.0000000001", "1n"],
    ["0.1Gi", "107374182400m"],
    ["2e-1", "200e-3"],
    ["12Gi", "12Gi"],
    [2, "2"],
  ] as const)("%p becomes %p", (input, want) => {
    expect(canonicalQuantity(input)).toBe(want);
  });

  test.each([
    ["1n", "1m"],
    ["0.0000000001", "1m"],
    ["1.0001", "1001m"],
    ["2", "2"],
  ] as const)("in a ResourceList %p rounds up to %p", (input, want) => {
    expect(canonicalQuantity(input, true)).toBe(want);
  });

  test("text that is not a quantity is left as it is", () => {
    for (const s of ["abc", "1.2.3", "", "1Zi", " 1"]) expect(canonicalQuantity(s)).toBe(s);
  });

  const quantity = fc
    .tuple(fc.nat({ max: 99999 }), fc.nat({ max: 999 }), fc.constantFrom("", "m", "k", "M", "G", "Ki", "Mi", "Gi", "u", "n", "e3", "e-3"))
    .map(([w, f, s]) => `${w}${f ? `.${f}` : ""}${s}`);

  test("canonical form is idempotent", () => {
    fc.assert(fc.property(quantity, (q) => canonicalQuantity(canonicalQuantity(q)) === canonicalQuantity(q)));
  });

  test("canonical form keeps the value (at nano precision)", () => {
    fc.assert(
      fc.property(quantity, (q) => {
        const c = canonicalQuantity(q) as string;
        return quantityNanos(c) === quantityNanos(q);
      }),
    );
  });
});
