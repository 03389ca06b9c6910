import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dispatch } from "./dispatch.ts";
import { bootstrapGitCommand } from "./bootstrap.ts";
import { tenantCreateCommand } from "./tenant.ts";
import { parseDocuments } from "../yaml/parse.ts";

async function rivulet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {}, cwd: process.cwd(), signal: new AbortController().signal };
  const code = await dispatch(argv, [bootstrapGitCommand, tenantCreateCommand], io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("usage errors, before any network or cluster call", () => {
  const cases: Array<[string[], string]> = [
    [["bootstrap", "git", "--namespace", "a"], "Error: --url is required"],
    [["bootstrap", "git", "--url", "http://x/r.git"], "Error: --namespace is required"],
    [["bootstrap", "git", "--url", "http://x/r.git", "-n", "a", "--secret-ref", "s", "--password", "p"], "Error: --secret-ref and --username/--password are mutually exclusive"],
    [["bootstrap", "git", "--url", "http://x/r.git", "-n", "a", "--token-auth"], "Error: --token-auth needs the token in --password"],
    [["bootstrap", "git", "--url", "http://x/r.git", "-n", "a", "--username", "u"], "Error: --username needs --password"],
    [["tenant", "create", "-n", "a", "--repo", "r"], "Error: the tenant NAME is required"],
    [["tenant", "create", "Dev_Team", "-n", "a", "--repo", "r"], `Error: tenant name "Dev_Team" is not a valid Kubernetes name (lowercase letters, digits and '-')`],
    [["tenant", "create", "dev", "--repo", "r"], "Error: --namespace is required"],
    [["tenant", "create", "dev", "-n", "a"], "Error: --repo is required"],
    [["tenant", "create", "dev", "-n", "a", "--repo", "r", "--export", "--output", "d"], "Error: --export and --output are mutually exclusive"],
  ];
  for (const [argv, want] of cases) {
    test(`rivulet ${argv.join(" ")}`, async () => {
      const r = await rivulet(...argv);
      expect(r.code).toBe(2);
      expect(r.err.split("\n")[0]).toBe(want);
    });
  }
});

describe("rivulet tenant create", () => {
  test("--output writes DIR/NAME/ with the files the printed stream holds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rivulet-tenant-"));
    try {
      const args = ["tenant", "create", "dev-team", "-n", "apps", "--repo", "https://git.example/dev-team.git"];
      expect((await rivulet(...args, "--output", dir)).code).toBe(0);
      expect(readdirSync(join(dir, "dev-team")).sort()).toEqual(["kustomization.yaml", "rbac.yaml", "sync.yaml"]);
      const printed = await rivulet(...args);
      const fromFiles = ["rbac.yaml", "sync.yaml"].flatMap((f) => parseDocuments(readFileSync(join(dir, "dev-team", f), "utf8")));
      expect(parseDocuments(printed.out)).toEqual(fromFiles);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
