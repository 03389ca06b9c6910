import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dispatch } from "./dispatch.ts";
import { installCommand, installCrdsCommand } from "./install.ts";
import { parseDocuments } from "../yaml/parse.ts";

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {}, cwd: ".", signal: new AbortController().signal };
  const code = await dispatch(args, [installCommand, installCrdsCommand], io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("rivulet install --export", () => {
  test("install crds --export prints crds/ as one stream", async () => {
    const dir = join(import.meta.dirname, "..", "..", "crds");
    const want = readdirSync(dir).sort().flatMap((f) => parseDocuments(readFileSync(join(dir, f), "utf8")));
    const r = await run("install", "crds", "--export");
    expect(r.code).toBe(0);
    expect(parseDocuments(r.out)).toEqual(want);
  });

  test("install --export prints the objects without a cluster", async () => {
    const r = await run("install", "--namespace", "team-a", "--export", "--artifact-storage", "emptydir");
    expect(r.code).toBe(0);
    const kinds = (parseDocuments(r.out) as Array<{ kind: string }>).map((o) => o.kind);
    expect(kinds).toContain("Deployment");
    expect(kinds).not.toContain("PersistentVolumeClaim");
  });

  test("flags are checked", async () => {
    expect((await run("install", "--export")).err).toContain("Error: --namespace is required");
    expect((await run("install", "-n", "a", "--export", "--artifact-storage", "disk")).err).toContain('Error: --artifact-storage must be pvc or emptydir, not "disk"');
  });
});

describe("rivulet install against an API server without the CRDs", () => {
  test("refuses before the first write and says what a cluster admin must run", async () => {
    const { createServer } = await import("node:http");
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const requests: string[] = [];
    // Discovery as a cluster with no Flux group at all.
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.setHeader("content-type", "application/json");
      if (req.url === "/version") return res.end(JSON.stringify({ gitVersion: "v1.30.0" }));
      if (req.url === "/apis") return res.end(JSON.stringify({ kind: "APIGroupList", groups: [{ name: "apps", versions: [{ groupVersion: "apps/v1", version: "v1" }] }] }));
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: "Status", code: 404, reason: "NotFound", message: "not found" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const dir = mkdtempSync(join(tmpdir(), "rivulet-install-"));
    try {
      const port = (server.address() as { port: number }).port;
      const kubeconfig = join(dir, "kubeconfig");
      writeFileSync(kubeconfig, JSON.stringify({
        apiVersion: "v1", kind: "Config", "current-context": "c",
        clusters: [{ name: "c", cluster: { server: `http://127.0.0.1:${port}` } }],
        users: [{ name: "u", user: { token: "t" } }],
        contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
      }));
      const r = await run("install", "--namespace", "team-a", "--kubeconfig", kubeconfig);
      expect(r.code).toBe(3);
      const lines = r.err.split("\n");
      expect(lines[0]).toStartWith("Error: the Flux CRDs are not all installed: gitrepositories.source.toolkit.fluxcd.io (v1), ");
      expect(lines[1]).toBe("a cluster admin must run: rivulet install crds --export | kubectl apply -f -");
      expect(requests.every((q) => q.startsWith("GET "))).toBe(true);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
