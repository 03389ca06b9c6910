import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readKubeconfig } from "./kubeconfig.ts";

const dir = mkdtempSync(join(tmpdir(), "rivulet-kubeconfig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, doc: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(doc));
  return p;
}

const base = (user: Record<string, unknown>, cluster: Record<string, unknown> = { server: "https://127.0.0.1:6443" }) => ({
  apiVersion: "v1",
  kind: "Config",
  "current-context": "dev",
  contexts: [
    { name: "dev", context: { cluster: "c", user: "u", namespace: "team-a" } },
    { name: "other", context: { cluster: "c", user: "u" } },
  ],
  clusters: [{ name: "c", cluster }],
  users: [{ name: "u", user }],
});

describe("readKubeconfig", () => {
  test("takes server, namespace, CA data and a token from the current context", () => {
    const f = write("token.json", base({ token: "t0k" }, { server: "https://10.0.0.1:6443", "certificate-authority-data": btoa("CA PEM") }));
    const k = readKubeconfig({ kubeconfig: f });
    expect({ server: k.server, ns: k.namespace, ca: k.ca, token: k.token(), ctx: k.context, exec: k.needsClientNode }).toEqual({
      server: "https://10.0.0.1:6443",
      ns: "team-a",
      ca: "CA PEM",
      token: "t0k",
      ctx: "dev",
      exec: false,
    });
  });

  test("resolves relative CA, certificate, key and token files against the kubeconfig's folder", () => {
    writeFileSync(join(dir, "ca.crt"), "CA FILE");
    writeFileSync(join(dir, "client.crt"), "CERT");
    writeFileSync(join(dir, "client.key"), "KEY");
    writeFileSync(join(dir, "token"), "file-token\n");
    const f = write("files.json", base({ "client-certificate": "client.crt", "client-key": "client.key", tokenFile: "token" }, { server: "https://h:1", "certificate-authority": "ca.crt" }));
    const k = readKubeconfig({ kubeconfig: f });
    expect([k.ca, k.cert, k.key, k.token()]).toEqual(["CA FILE", "CERT", "KEY", "file-token"]);
  });

  test("--context picks another context; exec users are handed to client-node", () => {
    const f = write("exec.json", base({ exec: { apiVersion: "client.authentication.k8s.io/v1", command: "x" } }));
    const k = readKubeconfig({ kubeconfig: f, context: "other" });
    expect(k.context).toBe("other");
    expect(k.namespace).toBeUndefined();
    expect(k.needsClientNode).toBe(true);
  });

  test.each([
    ["a missing file", () => readKubeconfig({ kubeconfig: join(dir, "nope") }), /^Cannot read the kubeconfig .*nope: the file does not exist$/],
    ["an unknown context", () => readKubeconfig({ kubeconfig: write("ctx.json", base({ token: "t" })), context: "prod" }), /no context named "prod"$/],
    ["no current-context", () => readKubeconfig({ kubeconfig: write("nocur.json", { ...base({ token: "t" }), "current-context": "" }) }), /has no current-context; pass --context$/],
    ["invalid YAML", () => readKubeconfig({ kubeconfig: (writeFileSync(join(dir, "bad"), "a: [\n"), join(dir, "bad")) }), /^Cannot read the kubeconfig .*bad: Cannot parse/],
  ] as const)("%s is one clear error", (_what, fn, re) => {
    expect(fn).toThrow(re);
  });
});
