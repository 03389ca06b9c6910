import { describe, expect, test } from "bun:test";
import type { Provider, ProviderSpec } from "../api/provider.ts";
import { maskSecrets, parseHeaders, resolveProvider } from "./provider-settings.ts";

const provider = (spec: Partial<ProviderSpec>): Provider =>
  ({ apiVersion: "notification.toolkit.fluxcd.io/v1beta3", kind: "Provider", metadata: { name: "p", namespace: "ns", uid: "uid-1" }, spec: { type: "generic", ...spec } }) as Provider;

const secrets: Record<string, Record<string, string>> = {
  hook: { address: " https://hooks.example/x ", token: "tok\n", headers: "X-A: one\nX-B: two\n", username: "u", password: "pw" },
  proxy: { address: "http://proxy:3128", username: "pu", password: "pp" },
  certs: { "ca.crt": "CA" },
  badheaders: { headers: "X-A: 1" },
  brokenheaders: { headers: "Authorization: [Bearer sekrit" },
  badaddress: { address: "sekrit-hook-path" },
};
const read = async (name: string) => {
  const s = secrets[name];
  if (!s) throw new Error(`Secret/ns/${name} referenced by Provider/ns/p not found: create it or fix the reference`);
  return s;
};

describe("resolveProvider (createNotifier, extractAuthFromSecret)", () => {
  test("the Secret's address, token, headers and basic auth win over the spec; the timeout defaults to 15s", async () => {
    const r = await resolveProvider(provider({ address: "https://spec.example", username: "bot", secretRef: { name: "hook" }, proxySecretRef: { name: "proxy" }, certSecretRef: { name: "certs" } }), read);
    expect(r.settings).toEqual({ type: "generic", address: "https://hooks.example/x", providerUid: "uid-1", username: "u", password: "pw", token: "tok", headers: { "X-A": "one", "X-B": "two" } });
    expect(r.timeoutMs).toBe(15_000);
    expect(r.proxy).toBe("http://pu:pp@proxy:3128/");
    expect(r.tls).toEqual({ ca: "CA" });
    expect(r.secretValues).toEqual(["https://hooks.example/x", "tok", "pw", "pp"]);
  });

  test.each([
    [{ type: "githubdispatch" as const, address: "https://x" }, "provider type 'githubdispatch' is not implemented by rivulet yet"],
    [{ type: "generic" as const, address: "not a url" }, "invalid hook URL not a url"],
    [{ type: "generic-hmac" as const, address: "https://x" }, "HMAC key is empty"],
    [{ type: "telegram" as const, channel: "1" }, "empty Telegram token"],
    [{ type: "generic" as const, secretRef: { name: "missing" } }, "Secret/ns/missing referenced by Provider/ns/p not found"],
    [{ type: "generic" as const, address: "https://x", secretRef: { name: "badheaders" } }, "failed to read headers from secret: header X-A is not a string"],
    [{ type: "generic" as const, address: "https://x", timeout: "bogus" }, "bogus"],
    [{ type: "github" as const, address: "https://github.com/o/r", commitStatusExpr: "event.reason" }, "spec.commitStatusExpr is not supported by rivulet yet (the agent has no CEL evaluator)"],
  ])("%j is not ready: %s", async (spec, message) => {
    await expect(resolveProvider(provider(spec), read)).rejects.toThrow(message);
  });

  test("an invalid address or headers from the Secret are reported without their text", async () => {
    await expect(resolveProvider(provider({ secretRef: { name: "badaddress" } }), read)).rejects.toThrow("invalid hook URL *****");
    await expect(resolveProvider(provider({ address: "https://x", secretRef: { name: "brokenheaders" } }), read)).rejects.toThrow(/^failed to read headers from secret: the value is not valid YAML$/);
  });

  test("headers: an empty value is no headers", () => {
    expect(parseHeaders("")).toEqual({});
  });

  test("maskSecrets hides every secret value", () => {
    expect(maskSecrets("POST https://hooks.example/x failed for tok", ["https://hooks.example/x", "tok"])).toBe("POST ***** failed for *****");
  });
});
