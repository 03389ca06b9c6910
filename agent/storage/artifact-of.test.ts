import { expect, test } from "bun:test";
import { artifactOf } from "./artifact-of.ts";

const artifact = { path: "gitrepository/ns/a/x.tar.gz", url: "http://s/x", revision: "main@sha1:1", digest: "sha256:ab", lastUpdateTime: "2026-01-01T00:00:00Z", size: 3 };

test.each([
  ["a status with a complete artifact", { status: { artifact } }, artifact],
  ["no object", undefined, undefined],
  ["no status", {}, undefined],
  ["a status without an artifact", { status: { observedGeneration: 1 } }, undefined],
  ["an artifact missing its digest", { status: { artifact: { ...artifact, digest: undefined } } }, undefined],
  ["an artifact whose path is not a string", { status: { artifact: { ...artifact, path: 3 } } }, undefined],
])("artifactOf reads %s", (_name, obj, want) => {
  expect(artifactOf(obj)).toEqual(want);
});
