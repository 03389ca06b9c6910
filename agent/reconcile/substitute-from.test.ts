import { describe, expect, test } from "bun:test";
import { TransientError } from "../core/errors.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { readSubstituteFrom } from "./substitute-from.ts";

const SELF = "Kustomization/team/app";

/** A namespace holding `objects`, read by kind and name; every other call is a test error. */
function namespaceWith(objects: KubeObject[]): KubeClient {
  const no = () => Promise.reject(new Error("substituteFrom only reads"));
  const client: KubeClient = {
    get: async (key) => objects.find((o) => o.kind === key.kind && o.metadata.name === key.name && key.namespace === "team"),
    apply: no, list: no, patch: no, delete: no, resource: no, raw: no,
    watch: () => ({ [Symbol.asyncIterator]: () => ({ next: no }) }),
    impersonate: () => client,
  };
  return client;
}

const configMap: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "vars", namespace: "team" }, data: { region: "eu", tier: "1" } };
const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "secret-vars", namespace: "team" }, data: { token: btoa("s3cret") } };

type Ref = { kind: "ConfigMap" | "Secret"; name: string; optional?: boolean };

describe("readSubstituteFrom", () => {
  test("reads ConfigMaps and decoded Secrets in the order given", async () => {
    const refs: Ref[] = [{ kind: "Secret", name: "secret-vars" }, { kind: "ConfigMap", name: "vars" }];
    const got = await readSubstituteFrom(namespaceWith([configMap, secret]), { postBuild: { substituteFrom: refs } }, "team", SELF);
    expect(got).toEqual([{ token: "s3cret" }, { region: "eu", tier: "1" }]);
  });

  test("skips missing optional references", async () => {
    const refs: Ref[] = [{ kind: "Secret", name: "gone", optional: true }, { kind: "ConfigMap", name: "gone", optional: true }];
    expect(await readSubstituteFrom(namespaceWith([]), { postBuild: { substituteFrom: refs } }, "team", SELF)).toEqual([]);
  });

  const missing: Array<[Ref, string]> = [
    [{ kind: "ConfigMap", name: "gone" }, `${SELF}: substituteFrom: ConfigMap/team/gone not found: create it or mark the reference optional`],
    [{ kind: "Secret", name: "gone" }, `${SELF}: substituteFrom: Secret/team/gone referenced by ${SELF} not found: create it or fix the reference`],
  ];
  for (const [ref, message] of missing) {
    test(`a missing ${ref.kind} that is not optional fails the build, naming it`, async () => {
      const err = await readSubstituteFrom(namespaceWith([]), { postBuild: { substituteFrom: [ref] } }, "team", SELF).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect((err as TransientError).reason).toBe("BuildFailed");
      expect((err as Error).message).toBe(message);
    });
  }

  test("no postBuild reads nothing", async () => {
    expect(await readSubstituteFrom(namespaceWith([]), {}, "team", SELF)).toEqual([]);
  });
});
