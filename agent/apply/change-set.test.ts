import { describe, expect, test } from "bun:test";
import { changeSetEntry, changeSetMap, formatChangeSet, hasChanged } from "./change-set.ts";

const dep = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "apps" } };
const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } };
const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "apps" } };

describe("change sets", () => {
  const cs = { entries: [changeSetEntry(ns, "unchanged"), changeSetEntry(cm, "created"), changeSetEntry(dep, "configured"), changeSetEntry({ ...cm, metadata: { name: "x", namespace: "apps" } }, "skipped")] };

  test("entries name objects as Kind/namespace/name", () => {
    expect(cs.entries.map((e) => e.ref)).toEqual(["Namespace/apps", "ConfigMap/apps/cfg", "Deployment/apps/web", "ConfigMap/apps/x"]);
    expect(cs.entries[2]).toEqual({ ref: "Deployment/apps/web", action: "configured", apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "apps" });
  });

  test("the message has one line per object, as Flux writes it", () => {
    expect(formatChangeSet(cs)).toBe("Namespace/apps unchanged\nConfigMap/apps/cfg created\nDeployment/apps/web configured\nConfigMap/apps/x skipped");
    expect(formatChangeSet(cs, { changedOnly: true })).toBe("ConfigMap/apps/cfg created\nDeployment/apps/web configured");
    expect(formatChangeSet({ entries: [] })).toBe("");
  });

  test.each([
    ["created", true],
    ["configured", true],
    ["deleted", true],
    ["unchanged", false],
    ["skipped", false],
  ] as const)("%s changed the cluster: %s", (action, changed) => {
    expect(hasChanged(action)).toBe(changed);
  });

  test("changeSetMap maps refs to actions", () => {
    expect(changeSetMap(cs)["Deployment/apps/web"]).toBe("configured");
  });
});
