import { describe, expect, test } from "bun:test";
import type { KubeClient } from "./client.ts";
import { serviceAccountTokenSource } from "./service-account-token.ts";

/** A client whose TokenRequest answers come from `answer`, counting the calls. */
function tokenApi(answer: (n: number) => { token: string; expiresAt: number } | Error) {
  const calls: Array<{ path: string; body: unknown }> = [];
  const client = {
    async raw(_method: string, path: string, body?: unknown) {
      calls.push({ path, body });
      const a = answer(calls.length);
      if (a instanceof Error) throw a;
      return { status: { token: a.token, expirationTimestamp: new Date(a.expiresAt).toISOString() } };
    },
  } as unknown as KubeClient;
  return { client, calls };
}

describe("a ServiceAccount's token source", () => {
  test("mints once, reuses the token until 80% of its life, then renews", async () => {
    let now = 1_000_000;
    const api = tokenApi((n) => ({ token: `t${n}`, expiresAt: now + 3_600_000 }));
    const token = serviceAccountTokenSource(api.client, "team-a", "rivulet", { now: () => now });
    expect(await Promise.all([token(), token()])).toEqual(["t1", "t1"]);
    expect(api.calls).toEqual([{ path: "/api/v1/namespaces/team-a/serviceaccounts/rivulet/token", body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } } }]);
    now += 2_879_000;
    expect(await token()).toBe("t1");
    now += 2_000;
    expect(await token()).toBe("t2");
    expect(api.calls).toHaveLength(2);
  });

  test("a failed renewal keeps the valid token and reports; an expired one fails naming the ServiceAccount, never the token", async () => {
    let now = 0;
    const results: Array<string | undefined> = [];
    const api = tokenApi((n) => (n === 1 ? { token: "secret-token", expiresAt: 1000_000 } : new Error('serviceaccounts "rivulet" not found')));
    const token = serviceAccountTokenSource(api.client, "team-a", "rivulet", { now: () => now, onResult: (e) => results.push(e?.message) });
    expect(await token()).toBe("secret-token");
    now = 900_000;
    expect(await token()).toBe("secret-token");
    now = 1000_001;
    const err = await token().catch((e: Error) => e);
    expect((err as Error).message).toBe('Cannot get a token for ServiceAccount team-a/rivulet: serviceaccounts "rivulet" not found');
    expect(results).toEqual([undefined, 'Cannot get a token for ServiceAccount team-a/rivulet: serviceaccounts "rivulet" not found', 'Cannot get a token for ServiceAccount team-a/rivulet: serviceaccounts "rivulet" not found']);
    expect(results.join(" ")).not.toContain("secret-token");
  });
});
