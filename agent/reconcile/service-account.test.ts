import { describe, expect, test } from "bun:test";
import type { KubeClient } from "../kube/client.ts";
import { RivuletError } from "../core/errors.ts";
import { actingClient, serviceAccountNameProblem } from "./service-account.ts";

/** A client that records whom it impersonates (nothing else is called). */
function recorder(): { client: KubeClient; users: string[] } {
  const users: string[] = [];
  const client = { impersonate: (user: string) => (users.push(user), client) } as unknown as KubeClient;
  return { client, users };
}

const ks = (serviceAccountName?: string) => ({ kind: "Kustomization", metadata: { name: "app", namespace: "team-a" }, spec: { ...(serviceAccountName !== undefined ? { serviceAccountName } : {}) } });

describe("serviceAccountName", () => {
  test.each([
    ["team-b:tb-deployer", "a ServiceAccount is named without a namespace and must be in namespace team-a"],
    ["system:serviceaccount:team-b:admin", "a ServiceAccount is named without a namespace and must be in namespace team-a"],
    ["Deployer", "a ServiceAccount's name is a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"],
    ["-deployer", "a ServiceAccount's name is a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"],
    ["deploy er", "a ServiceAccount's name is a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"],
    ["a..b", "a ServiceAccount's name is a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"],
    ["a".repeat(254), "a ServiceAccount's name is at most 253 characters, not 254"],
  ])("%p is refused: %s", (name, problem) => {
    expect(serviceAccountNameProblem(name, "team-a")).toBe(problem);
  });

  test.each(["deployer", "tb-deployer", "deploy.v2", "0", "a".repeat(253)])("%p is a ServiceAccount name", (name) => {
    expect(serviceAccountNameProblem(name, "team-a")).toBeUndefined();
  });
});

describe("actingClient", () => {
  test("impersonates the ServiceAccount in the object's own namespace", () => {
    const r = recorder();
    actingClient(r.client, ks("deployer"));
    expect(r.users).toEqual(["system:serviceaccount:team-a:deployer"]);
  });

  test("uses the default ServiceAccount when the spec names none, and the agent's own identity without either", () => {
    const r = recorder();
    actingClient(r.client, ks(), "tenant-default");
    actingClient(r.client, ks(""));
    expect(r.users).toEqual(["system:serviceaccount:team-a:tenant-default"]);
  });

  test.each([
    [ks("team-b:tb-deployer"), undefined,
      'Kustomization/team-a/app: cannot impersonate spec.serviceAccountName "team-b:tb-deployer": a ServiceAccount is named without a namespace and must be in namespace team-a'],
    [{ ...ks("Admin"), kind: "HelmRelease" }, undefined,
      `HelmRelease/team-a/app: cannot impersonate spec.serviceAccountName "Admin": a ServiceAccount's name is a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`],
    [ks(), "x:y",
      'Kustomization/team-a/app: cannot impersonate --default-service-account "x:y": a ServiceAccount is named without a namespace and must be in namespace team-a'],
  ])("refuses a name that is not one, saying why and never impersonating it (%#)", (owner, fallback, message) => {
    const r = recorder();
    let err: unknown;
    try {
      actingClient(r.client, owner, fallback);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RivuletError);
    expect([(err as RivuletError).kind, (err as RivuletError).reason, (err as RivuletError).message]).toEqual(["terminal", "AccessDenied", message]);
    expect(r.users).toEqual([]);
  });
});
