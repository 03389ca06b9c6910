import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { kustomizeBuild } from "./build.ts";
import { textFileTree } from "../artifact/file-tree.ts";
import { emitDocuments } from "../yaml/emit.ts";

// What a ConfigMap's annotations or labels may look like as written: absent, null, empty or filled.
const mapField = fc.oneof(
  fc.constant<undefined>(undefined),
  fc.constant(null),
  fc.constant({}),
  fc.dictionary(fc.constantFrom("a", "b", "c"), fc.constantFrom("1", "x"), { minKeys: 1 }),
);

const configMap = fc.record({ annotations: mapField, labels: mapField, patched: fc.boolean() });

describe("empty and null metadata maps", () => {
  test("the output drops an empty or null annotations map, keeps labels as written, and a JSON patch can add to any object's annotations", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(configMap, { minLength: 1, maxLength: 5 }), async (cms) => {
        const docs = cms.map((c, i) => {
          const metadata: Record<string, unknown> = { name: `cm${i}` };
          if (c.annotations !== undefined) metadata.annotations = c.annotations;
          if (c.labels !== undefined) metadata.labels = c.labels;
          return { apiVersion: "v1", kind: "ConfigMap", metadata };
        });
        const patched = cms.flatMap((c, i) => (c.patched ? [`cm${i}`] : []));
        const patch = patched.length
          ? `patches:\n- target: {kind: ConfigMap, name: "${patched.join("|")}"}\n  patch: '[{"op": "add", "path": "/metadata/annotations/added", "value": "y"}]'\n`
          : "";
        const out = await kustomizeBuild(textFileTree({ "kustomization.yaml": `resources: [cms.yaml]\n${patch}`, "cms.yaml": emitDocuments(docs) }));
        for (const [i, c] of cms.entries()) {
          const got = out.find((o) => o.metadata?.name === `cm${i}`)!.metadata!;
          const written = c.annotations && Object.keys(c.annotations).length ? { ...c.annotations } : undefined;
          const want = c.patched ? { ...written, added: "y" } : written;
          expect(got.annotations).toEqual(want);
          expect("annotations" in got).toBe(want !== undefined);
          expect(got.labels).toEqual(c.labels);
          expect("labels" in got).toBe(c.labels !== undefined);
        }
      }),
      { numRuns: 60 },
    );
  });
});
