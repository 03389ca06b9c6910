import { describe, expect, test } from "bun:test";
import { createLogger } from "../core/logger.ts";
import { agentMetrics } from "../http/metrics.ts";
import type { TenantAgent } from "./tenant-agent.ts";
import { TenantHost, tenantSlotLimit } from "./tenant-host.ts";
import { FairShare, type Gate } from "../reconcile/fair-share.ts";
import type { TenantEntry } from "./tenants-file.ts";

const entry = (namespace: string): TenantEntry => ({ namespace, credentials: { kind: "serviceAccount", name: "rivulet" } });

/** A stand-in agent: records its start and stop, stores one artifact under its namespace. */
function fakeAgent(ns: string, runs: Map<string, AbortSignal>): TenantAgent {
  return {
    namespace: ns,
    parts: { store: { get: async (p: string) => (p.split("/")[1] === ns ? new TextEncoder().encode(`${ns}:${p}`) : undefined) }, cache: { evictions: 0 } },
    hooks: { owns: async (path: string) => path === `/hook/${ns}`, handle: async () => ({ status: 200, message: `handled by ${ns}` }) },
    start: (signal: AbortSignal) => void runs.set(ns, signal),
  } as unknown as TenantAgent;
}

const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(what()).toBe(true);
};

describe("the tenant host", () => {
  test("a tenant that cannot start is reported and retried while the others run; removing one stops it", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const metrics = agentMetrics();
    const runs = new Map<string, AbortSignal>();
    let failures = 2;
    const host = new TenantHost([entry("team-a"), entry("team-b"), entry("team-c")], {
      log: createLogger((l) => void lines.push(JSON.parse(l))),
      metrics,
      retryBaseMs: 5,
      async startTenant(e) {
        if (e.namespace === "team-b" && failures-- > 0) throw new Error('Cannot get a token for ServiceAccount team-b/rivulet: serviceaccounts "rivulet" not found');
        return fakeAgent(e.namespace, runs);
      },
    });
    const leading = new AbortController();
    host.start(leading.signal);
    await until(() => runs.has("team-a") && runs.has("team-c"));
    const render = () => metrics.registry.render();
    await until(() => runs.has("team-b"));
    expect(lines.filter((l) => l.msg === "tenant not started: retrying").map((l) => [l.tenant, l.error, l.attempt])).toEqual([
      ["team-b", 'Cannot get a token for ServiceAccount team-b/rivulet: serviceaccounts "rivulet" not found', 1],
      ["team-b", 'Cannot get a token for ServiceAccount team-b/rivulet: serviceaccounts "rivulet" not found', 2],
    ]);
    expect(host.readiness()).toEqual({ "team-a": { ready: true }, "team-b": { ready: true }, "team-c": { ready: true } });
    expect(render()).toContain('rivulet_tenant_ready{namespace="team-b"} 1');

    // Artifacts and hooks go to the tenant the path names, and to no other.
    expect(new TextDecoder().decode(await host.artifact("gitrepository/team-c/app/x.tar.gz"))).toBe("team-c:gitrepository/team-c/app/x.tar.gz");
    expect(await host.artifact("gitrepository/team-z/app/x.tar.gz")).toBeUndefined();
    expect(await host.hooks.handle("/hook/team-a", { headers: new Headers(), body: new Uint8Array() })).toEqual({ status: 200, message: "handled by team-a" });
    expect((await host.hooks.handle("/hook/nobody", { headers: new Headers(), body: new Uint8Array() })).status).toBe(404);

    metrics.condition.set({ kind: "Kustomization", name: "app", namespace: "team-b", type: "Ready", status: "True" }, 1);
    host.setTenants([entry("team-a"), entry("team-c")]);
    expect(runs.get("team-b")!.aborted).toBe(true);
    expect(runs.get("team-a")!.aborted).toBe(false);
    expect(host.readiness()).toEqual({ "team-a": { ready: true }, "team-c": { ready: true } });
    expect(render()).not.toContain('namespace="team-b"');
    expect(await host.artifact("gitrepository/team-b/app/x.tar.gz")).toBeUndefined();

    leading.abort();
    expect(runs.get("team-a")!.aborted).toBe(true);
    expect(host.readiness()).toEqual({});
  });

  test("a changed entry restarts only that tenant", async () => {
    const runs = new Map<string, AbortSignal>();
    const host = new TenantHost([entry("team-a"), entry("team-b")], { log: createLogger(() => {}), metrics: agentMetrics(), startTenant: async (e) => fakeAgent(e.namespace, runs) });
    host.start(new AbortController().signal);
    await until(() => runs.size === 2);
    const [a, b] = [runs.get("team-a")!, runs.get("team-b")!];
    host.setTenants([entry("team-a"), { ...entry("team-b"), concurrent: 2 }]);
    await until(() => runs.get("team-b") !== b);
    expect(b.aborted).toBe(true);
    expect(runs.get("team-a")).toBe(a);
    expect(a.aborted).toBe(false);
  });

  test("each tenant gets a gate on the one fair share, limited as tenantSlotLimit says; a stopped tenant's is closed", async () => {
    const share = new FairShare({ slots: 6 });
    const gates = new Map<string, Gate | undefined>();
    const runs = new Map<string, AbortSignal>();
    const host = new TenantHost([entry("team-a"), { ...entry("team-b"), concurrent: 1 }], {
      log: createLogger(() => {}),
      metrics: agentMetrics(),
      fairShare: { share, limitOf: (e) => tenantSlotLimit(e.concurrent ?? 4, share.slots) },
      startTenant: async (e, ctx) => {
        gates.set(e.namespace, ctx.gate);
        return fakeAgent(e.namespace, runs);
      },
    });
    host.start(new AbortController().signal);
    await until(() => runs.size === 2);
    expect(share.shares().map((t) => [t.name, t.limit])).toEqual([["team-a", 3], ["team-b", 2]]);
    expect(await gates.get("team-a")!.run(async () => "ran")).toBe("ran");
    // A changed entry closes the old gate and opens a new one under the same name.
    host.setTenants([entry("team-a"), { ...entry("team-b"), concurrent: 2 }]);
    await until(() => share.shares().length === 2 && runs.get("team-b")!.aborted === false);
    host.setTenants([entry("team-b")]);
    expect(share.shares().map((t) => t.name)).toEqual(["team-b"]);
  });
});

test.each([
  [4, 16, 8],
  [1, 16, 2],
  [8, 16, 8],
  [4, 5, 3],
  [4, 1, 1],
])("tenantSlotLimit(concurrent %p, slots %p) is %p", (concurrent, slots, limit) => {
  expect(tenantSlotLimit(concurrent, slots)).toBe(limit);
});
