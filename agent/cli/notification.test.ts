import { describe, expect, test } from "bun:test";
import { dispatch } from "./dispatch.ts";
import { notificationCommands, notificationObject } from "./notification.ts";
import { parseDocuments } from "../yaml/parse.ts";

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await dispatch(argv, [...notificationCommands.get, ...notificationCommands.create], { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd: "/", signal: new AbortController().signal });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("rivulet create alert|alert-provider|receiver", () => {
  test("--export prints the Receiver flux create receiver makes", async () => {
    const r = await cli("create", "receiver", "github-receiver", "--type", "github", "--event", "ping", "--event", "push", "--secret-ref", "webhook-token", "--resource", "GitRepository/webapp,HelmRepository/webapp", "-n", "apps", "--export");
    expect(r.code).toBe(0);
    expect(parseDocuments(r.out, "export")).toEqual([
      {
        apiVersion: "notification.toolkit.fluxcd.io/v1",
        kind: "Receiver",
        metadata: { name: "github-receiver", namespace: "apps" },
        spec: { type: "github", events: ["ping", "push"], resources: [{ kind: "GitRepository", name: "webapp" }, { kind: "HelmRepository", name: "webapp" }], secretRef: { name: "webhook-token" } },
      },
    ]);
  });

  test("--export prints the Alert and the Provider flux create makes", async () => {
    const alert = await cli("create", "alert", "flux-system", "--event-severity", "info", "--event-source", "Kustomization/flux-system,GitRepository/other/app", "--provider-ref", "slack", "--label", "team=a", "-n", "apps", "--export");
    expect(parseDocuments(alert.out, "export")).toEqual([
      {
        apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
        kind: "Alert",
        metadata: { name: "flux-system", namespace: "apps", labels: { team: "a" } },
        spec: { providerRef: { name: "slack" }, eventSeverity: "info", eventSources: [{ kind: "Kustomization", name: "flux-system" }, { kind: "GitRepository", namespace: "other", name: "app" }] },
      },
    ]);
    const provider = await cli("create", "alert-provider", "slack", "--type", "slack", "--channel", "general", "--address", "https://hooks.slack.com/services/x", "--secret-ref", "webhook-url", "-n", "apps", "--export");
    expect(parseDocuments(provider.out, "export")).toEqual([
      {
        apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
        kind: "Provider",
        metadata: { name: "slack", namespace: "apps" },
        spec: { type: "slack", channel: "general", address: "https://hooks.slack.com/services/x", secretRef: { name: "webhook-url" } },
      },
    ]);
  });

  test.each([
    ["receiver", {}, "Receiver type is required"],
    ["receiver", { type: "svn" }, "--type must be one of generic, generic-hmac, generic-oidc, github, gitlab, bitbucket, harbor, dockerhub, quay, gcr, nexus, acr, cdevents, not \"svn\""],
    ["receiver", { type: "github" }, "secret ref is required"],
    ["receiver", { type: "github", "secret-ref": "t" }, "atleast one resource is required"],
    ["receiver", { type: "github", "secret-ref": "t", resource: ["GitRepository"] }, "invalid resource 'GitRepository', must be in format <kind>/<name>"],
    ["alert", {}, "provider ref is required"],
    ["alert", { "provider-ref": "p" }, "at least one event source is required"],
    ["alert", { "provider-ref": "p", "event-source": ["Kustomization/a"], "event-severity": "warn" }, '--event-severity must be info or error, not "warn"'],
    ["alert-provider", {}, "Provider type is required"],
  ] as Array<[string, Parameters<typeof notificationObject>[3], string]>)("create %s with %o is refused: %s", (word, values, message) => {
    expect(() => notificationObject(word, "x", "apps", values)).toThrow(message);
  });
});
