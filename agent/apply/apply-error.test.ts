import { describe, expect, test } from "bun:test";
import { KubeApiError } from "../kube/api-error.ts";
import { ApplyError, dryRunFailure, isImmutableError, serverMessage } from "./apply-error.ts";

describe("apply errors", () => {
  test.each<[string, unknown, string]>([
    [
      "Invalid",
      new KubeApiError(422, "Invalid", 'Cannot apply Job/apps/migrate: Job.batch "migrate" is invalid: spec.template: Invalid value: field is immutable'),
      'Job/apps/migrate dry-run failed (Invalid): Job.batch "migrate" is invalid: spec.template: Invalid value: field is immutable',
    ],
    [
      "Forbidden",
      new KubeApiError(403, "Forbidden", 'Cannot apply ConfigMap/apps/a: configmaps "a" is forbidden: User "u" cannot patch resource "configmaps"'),
      'ConfigMap/apps/a dry-run failed (Forbidden): configmaps "a" is forbidden: User "u" cannot patch resource "configmaps"',
    ],
    ["NotFound in a namespace", new KubeApiError(404, "NotFound", 'Cannot apply ConfigMap/gone/a: namespaces "gone" not found'), 'ConfigMap/gone/a not found: namespaces "gone" not found'],
    ["no reason", new KubeApiError(500, "Unknown", "Cannot apply ConfigMap/apps/a: failed to create typed patch object"), "ConfigMap/apps/a dry-run failed: failed to create typed patch object"],
  ])("a %s dry-run error is worded as Flux words it", (_n, err, message) => {
    expect(dryRunFailure(message.split(" ")[0]!, message.split("/").length > 2 ? "ns" : undefined, err)).toBe(message);
  });

  test("a NotFound for an object without a namespace says so", () => {
    expect(dryRunFailure("Widget/w", undefined, new KubeApiError(404, "NotFound", "Cannot apply Widget/w: the server could not find the requested resource"))).toBe(
      "Widget/w namespace not specified: the server could not find the requested resource",
    );
  });

  test.each<[string, boolean, unknown]>([
    ["409 Conflict", true, new KubeApiError(409, "Conflict", "x")],
    ["422 Invalid", true, new KubeApiError(422, "Invalid", "x")],
    ["a webhook's 'is immutable'", true, new KubeApiError(400, "BadRequest", "admission webhook denied: spec.x is immutable")],
    ["CEL's 'immutable field'", true, new Error("the immutable field changed")],
    ["403 Forbidden", false, new KubeApiError(403, "Forbidden", "x")],
    ["a network error", false, new Error("connection reset")],
  ])("%s is an immutable error: %p", (_n, immutable, err) => {
    expect(isImmutableError(err)).toBe(immutable);
  });

  test("serverMessage leaves other errors as they are; ApplyError joins failures line by line", () => {
    expect(serverMessage(new Error("Cannot apply x: y"))).toBe("Cannot apply x: y");
    const e = new ApplyError([{ ref: "a", phase: "dry-run", message: "A failed" }, { ref: "b", phase: "apply", message: "B failed" }], { entries: [] });
    expect(e.message).toBe("A failed\nB failed");
  });
});
