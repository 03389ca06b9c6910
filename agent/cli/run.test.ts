import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dispatch } from "./dispatch.ts";
import { runCommand } from "./run.ts";

/** A kubeconfig for a server nobody listens on: flag errors must be reported before any connection. */
function kubeconfig(dir: string): string {
  const path = join(dir, "kubeconfig");
  writeFileSync(
    path,
    "apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k, user: u, namespace: team-a}}]\nclusters: [{name: k, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\n",
  );
  return path;
}

test.each([
  [["--gc-interval", "soon"], '--gc-interval must be a duration such as 2s or 0, not "soon"'],
  [["--concurrent", "0"], '--concurrent must be a whole number of at least 1, not "0"'],
  [["--log-level", "loud"], '--log-level must be debug, info or error, not "loud"'],
])("rivulet run %p is a usage error (exit 2) before contacting the cluster", async (flags, message) => {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-run-cli-"));
  try {
    const err: string[] = [];
    const code = await dispatch(["run", "--kubeconfig", kubeconfig(dir), ...flags], [runCommand], {
      out: () => {},
      err: (l) => err.push(l),
      env: {},
      cwd: dir,
      signal: new AbortController().signal,
    });
    expect(code).toBe(2);
    expect(err.join("\n")).toContain(message);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rivulet run --help says the status page is off by default and where it is served", async () => {
  const out: string[] = [];
  const code = await dispatch(["run", "--help"], [runCommand], { out: (l) => out.push(l), err: () => {}, env: {}, cwd: "/", signal: new AbortController().signal });
  expect(code).toBe(0);
  expect(out.join("\n")).toMatch(/--status-page {9}serve a read-only status page at \/status\/ on --health-addr:[\s\S]*updated live \(default off\)/);
});

test("a tenants file that cannot be used stops rivulet run before contacting the cluster, naming the entry", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-run-cli-"));
  try {
    const file = join(dir, "tenants.yaml");
    writeFileSync(file, "apiVersion: rivulet.dev/v1alpha1\nkind: TenantList\ntenants:\n  - namespace: team-a\n    kubeconfig: a\n    tokenFile: b\n");
    for (const [path, message] of [
      [file, `Error: Cannot use the tenants file ${file}: tenants[0] (team-a): give at most one of serviceAccount, kubeconfig and tokenFile, not kubeconfig and tokenFile`],
      [join(dir, "missing.yaml"), `Error: Cannot read the tenants file ${join(dir, "missing.yaml")}: ENOENT`],
    ]) {
      const err: string[] = [];
      const code = await dispatch(["run", "--kubeconfig", kubeconfig(dir), "--tenants", path!], [runCommand], { out: () => {}, err: (l) => err.push(l), env: {}, cwd: dir, signal: new AbortController().signal });
      expect(code).toBe(3);
      expect(err.join("\n")).toContain(message!);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
