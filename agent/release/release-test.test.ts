import { describe, expect, test } from "bun:test";
import type { StoredHook } from "../helm/release-codec.ts";
import { selectTests } from "./release-test.ts";

const hooks = ["grpc", "jwt", "service"].map((name) => ({ name }) as StoredHook);
const names = (r: { run: StoredHook[]; skipped: StoredHook[] }) => [r.run.map((h) => h.name), r.skipped.map((h) => h.name)];

describe("test filters (HelmRelease spec.test.filters)", () => {
  test.each([
    ["no filter runs every test", [], [["grpc", "jwt", "service"], []]],
    ["exclude leaves one out", [{ name: "jwt", exclude: true }], [["grpc", "service"], ["jwt"]]],
    ["include runs only those named", [{ name: "service" }], [["service"], ["grpc", "jwt"]]],
    ["exclude wins over include", [{ name: "service" }, { name: "service", exclude: true }], [[], ["service", "grpc", "jwt"]]],
  ] as const)("%s", (_name, filters, expected) => {
    expect(names(selectTests(hooks, filters))).toEqual(expected as unknown as string[][]);
  });
});
