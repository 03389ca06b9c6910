import { describe, expect, test } from "bun:test";
import type { Alert, AlertSpec } from "../api/alert.ts";
import { matchAlerts } from "./alert-match.ts";
import type { FluxEvent } from "./flux-event.ts";

const NS = "tenant";
const alert = (name: string, spec: Partial<AlertSpec>): Alert =>
  ({
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Alert",
    metadata: { name, namespace: NS, uid: `uid-${name}` },
    spec: { providerRef: { name: "p" }, eventSources: [{ kind: "Kustomization", name: "*" }], ...spec },
  }) as Alert;

const event = (o: { kind?: string; name?: string; namespace?: string; severity?: string; message?: string } = {}): FluxEvent => ({
  involvedObject: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: o.kind ?? "Kustomization", name: o.name ?? "web", namespace: o.namespace ?? NS },
  severity: o.severity ?? "info",
  timestamp: "2026-12-06T08:00:00Z",
  message: o.message ?? "Applied revision: main@sha1:1",
  reason: "ReconciliationSucceeded",
  reportingController: "kustomize-controller",
});

const ports = (labels: Record<string, string> | undefined = { team: "a" }) => ({ namespace: NS, labelsOf: async () => labels });
const names = async (e: FluxEvent, alerts: Alert[], labels?: Record<string, string>) => (await matchAlerts(e, alerts, ports(labels))).alerts.map((a) => a.metadata.name);

describe("matchAlerts (filterAlertsForEvent)", () => {
  test.each([
    ["wildcard name, same kind", { eventSources: [{ kind: "Kustomization" as const, name: "*" }] }, event(), true],
    ["exact name", { eventSources: [{ kind: "Kustomization" as const, name: "web" }] }, event(), true],
    ["other name", { eventSources: [{ kind: "Kustomization" as const, name: "api" }] }, event(), false],
    ["other kind", { eventSources: [{ kind: "GitRepository" as const, name: "*" }] }, event(), false],
    ["event of another namespace", {}, event({ namespace: "other" }), false],
    ["severity error takes error events", { eventSeverity: "error" as const }, event({ severity: "error" }), true],
    ["severity error drops info events", { eventSeverity: "error" as const }, event(), false],
    ["severity info takes error events", { eventSeverity: "info" as const }, event({ severity: "error" }), true],
    ["suspended", { suspend: true }, event(), false],
    ["matchLabels that hold", { eventSources: [{ kind: "Kustomization" as const, name: "*", matchLabels: { team: "a" } }] }, event(), true],
    ["matchLabels that do not hold", { eventSources: [{ kind: "Kustomization" as const, name: "*", matchLabels: { team: "b" } }] }, event(), false],
    ["inclusion that matches", { inclusionList: ["^Applied"] }, event(), true],
    ["inclusion that does not match", { inclusionList: ["^Health"] }, event(), false],
    ["exclusion that matches", { exclusionList: ["sha1:[0-9]+$"] }, event(), false],
    ["Go's inline flags (not JavaScript syntax)", { inclusionList: ["(?i)^applied"] }, event(), true],
    ["Go's \\z end of text", { inclusionList: ["sha1:1\\z"] }, event(), true],
    ["Unicode class \\pL", { exclusionList: ["^\\pL+ revision"] }, event(), false],
  ])("%s", async (_, spec, e, want) => {
    expect(await names(e, [alert("a", spec as Partial<AlertSpec>)])).toEqual(want ? ["a"] : []);
  });

  test("a cross-namespace event source never matches and the Alert is told why", async () => {
    const a = alert("x", { eventSources: [{ kind: "Kustomization", name: "*", namespace: "other" }] });
    const r = await matchAlerts(event({ namespace: "other" }), [a], ports());
    expect(r.alerts).toEqual([]);
    expect(r.warnings.map((w) => [w.reason, w.message])).toEqual([["AccessDenied", "cross-namespace event source Kustomization/other/* is not allowed: the agent serves namespace tenant only"]]);
  });

  test("an invalid expression is Go's compile error, reported as InvalidConfig, and never matches", async () => {
    const r = await matchAlerts(event(), [alert("x", { inclusionList: ["(?=Applied)"] })], ports());
    expect(r.alerts).toEqual([]);
    expect(r.warnings.map((w) => [w.reason, w.message])).toEqual([["InvalidConfig", "failed to compile inclusion regex: (?=Applied)"]]);
  });

  test("matchLabels on an object that cannot be read is SourceFetchFailed", async () => {
    const r = await matchAlerts(event(), [alert("x", { eventSources: [{ kind: "Kustomization", name: "*", matchLabels: { a: "b" } }] })], { namespace: NS, labelsOf: async () => undefined });
    expect(r.warnings.map((w) => w.message)).toEqual(["error getting source object Kustomization/tenant/web"]);
  });

  test("several Alerts: each that matches, in order", async () => {
    expect(await names(event({ severity: "error" }), [alert("a", {}), alert("b", { eventSeverity: "error" }), alert("c", { suspend: true })])).toEqual(["a", "b"]);
  });
});
