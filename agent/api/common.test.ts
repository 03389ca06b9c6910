import { describe, expect, test } from "bun:test";
import { s, type Node, type ObjectNode } from "./schema.ts";
import { alphabetical, reconciledStatus, sourceStatus } from "./common.ts";

const objectNode = (node: Node): ObjectNode => {
  if (node.type !== "object") throw new Error(`expected an object node, got ${node.type}`);
  return node;
};

describe("shared status builders", () => {
  test("a reconciled status has the shared fields and the kind's own, in alphabetical order", () => {
    const node = objectNode(reconciledStatus("Receiver", { webhookPath: s.optional(s.string()), history: s.optional(s.string()) }).node);
    expect(Object.keys(node.properties)).toEqual(["conditions", "history", "lastHandledReconcileAt", "observedGeneration", "webhookPath"]);
    expect(node.required).toEqual([]);
    expect(node.description).toBe("Observed state of a Receiver.");
    expect(node.properties.conditions?.description).toBe("Conditions of the Receiver.");
  });

  test("a source status adds the artifact and the ignore rules it was made with", () => {
    const node = objectNode(sourceStatus("OCIRepository", { url: s.optional(s.string()) }).node);
    expect(Object.keys(node.properties)).toEqual([
      "artifact",
      "conditions",
      "lastHandledReconcileAt",
      "observedGeneration",
      "observedIgnore",
      "url",
    ]);
    expect(node.description).toBe("Observed state of an OCIRepository.");
  });

  test("a kind's own required field stays required", () => {
    const node = objectNode(reconciledStatus("Bucket", { zone: s.string() }).node);
    expect(node.required).toEqual(["zone"]);
  });
});

describe("alphabetical", () => {
  test("orders properties by code unit, as the CRDs list them", () => {
    expect(Object.keys(alphabetical({ b: s.string(), a: s.string(), B: s.string(), aa: s.string() }))).toEqual(["B", "a", "aa", "b"]);
  });
});
