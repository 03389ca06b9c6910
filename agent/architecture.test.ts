/**
 * The folder tree is the architecture (STYLE.md habit 1): each folder under agent/ may import only the
 * folders listed for it here, the same map the README's "Architecture" section draws. A new import that
 * crosses a line fails this test, so a layering decision is made on purpose, in this table, not by
 * accident in a file. Test files and testdata may reach further (fixtures, servers); they are not checked.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const agent = dirname(fileURLToPath(import.meta.url));

/**
 * Folder -> what its non-test code may import (its own folder always): whole folders, or single files
 * where only a port or a data format is shared (verify checks what source fetched, so it reads source's
 * formats, never its clients; http implements the controllers' metrics port).
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  yaml: ["core"],
  api: ["core", "yaml"],
  kube: ["core", "yaml"],
  artifact: ["core"],
  storage: ["core", "api"],
  source: ["core", "artifact"],
  verify: ["core", "artifact", "source/oci/registry-types.ts", "source/oci/media-types.ts", "source/git/git-object.ts"],
  kustomize: ["core", "yaml", "artifact"],
  helm: ["core", "yaml", "artifact"],
  sops: ["core", "yaml"],
  release: ["core", "yaml", "api", "kube", "apply", "health", "helm"],
  image: ["core", "api", "yaml", "artifact", "source"],
  apply: ["core", "kube", "yaml"],
  health: ["core", "kube", "yaml"],
  diff: ["core", "kube", "yaml"],
  status: ["core", "kube", "notify/flux-event.ts", "apply/inventory.ts"],
  notify: ["core", "yaml", "api", "kube"],
  receiver: ["core", "api", "kube"],
  install: ["core", "api", "yaml", "kube"],
  reconcile: ["core", "api", "yaml", "kube", "artifact", "storage", "source", "verify", "kustomize", "sops", "helm", "release", "apply", "health", "diff", "status", "notify", "receiver", "image"],
  http: ["core", "storage", "status/status-snapshot.ts", "reconcile/controller-metrics.ts", "notify/flux-event.ts", "notify/notify-metrics.ts"],
  runtime: ["core", "yaml", "kube", "artifact", "storage", "source", "verify", "helm"],
  devtools: ["core"],
  cli: ["core", "api", "yaml", "kube", "artifact", "storage", "source", "verify", "kustomize", "sops", "helm", "release", "apply", "health", "diff", "status", "notify", "receiver", "image", "reconcile", "http", "runtime", "devtools", "install"],
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "testdata") out.push(...sources(p));
    } else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

/** Where a relative import from `file` lands: its path below agent/, undefined outside agent/. */
function target(file: string, spec: string): string | undefined {
  const rel = relative(agent, resolve(dirname(file), spec));
  return rel.startsWith("..") ? undefined : rel;
}

const folderOf = (path: string) => (path.includes("/") ? path.split("/")[0]! : "(root)");

describe("the folder map", () => {
  test("every folder under agent/ has a row in the map", () => {
    const folders = readdirSync(agent, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(folders.filter((f) => !(f in MAY_IMPORT))).toEqual([]);
  });

  test("no folder imports one the map does not allow", () => {
    const violations: string[] = [];
    for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
      // A row may name a folder still to come (helm/, while issue 17 builds it).
      if (!existsSync(join(agent, folder))) continue;
      for (const file of sources(join(agent, folder))) {
        const text = readFileSync(file, "utf8");
        for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)"/gm)) {
          const to = target(file, m[1]!);
          if (to === undefined || folderOf(to) === folder || allowed.includes(folderOf(to)) || allowed.includes(to)) continue;
          violations.push(`${relative(agent, file)} imports ${m[1]} (${folder} may not import ${folderOf(to)})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
