import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeRelease } from "../../helm/release-codec.ts";
import { helmGoProblems } from "./helm-go-decoder.ts";

const fixtures = join(import.meta.dirname, "..", "..", "..", "..", "shared", "fixtures", "helm-release", "internal", "release", "testdata");

test.skipIf(!existsSync(fixtures))("Helm 3's releases read clean but for Helm 4's schemamodtime, which Helm 3 did not write", () => {
  for (const name of ["istio-base-1", "podinfo-helm-1", "prom-stack-1"]) {
    expect(helmGoProblems(decodeRelease(readFileSync(join(fixtures, name), "utf8")))).toEqual(["release.chart.schemamodtime: missing (Go always writes it)"]);
  }
});

test("the reader names a field Helm's structs lack, a wrong type, a bad time and a missing required field", () => {
  const problems = helmGoProblems({
    name: "web",
    namespace: "team",
    version: "1",
    info: { status: "done", first_deployed: "yesterday" },
    chart: { metadata: { name: "c" }, lock: null, templates: [{ name: "t", data: "not base64!" }], values: {}, schema: null, schemamodtime: "0001-01-01T00:00:00Z", files: [] },
    hooks: [{ name: "h", events: ["pre-install"] }],
    labels: { a: "b" },
  });
  expect(problems).toEqual([
    'release.version: want integer, got "1"',
    'release.info.status: want one of unknown|deployed|uninstalled|superseded|failed|uninstalling|pending-install|pending-upgrade|pending-rollback, got "done"',
    'release.info.first_deployed: want RFC 3339 time, got "yesterday"',
    'release.chart.templates[0].data: want base64 []byte, got "not base64!"',
    "release.hooks[0].last_run: missing (Go always writes it)",
    "release.labels: no such field in Helm's struct",
  ]);
});
