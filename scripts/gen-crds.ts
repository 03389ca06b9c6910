/**
 * Writes crds/ from the API definitions in agent/api (run: `bun scripts/gen-crds.ts`, or `npm run
 * gen:crds`). Files that no kind produces any more are removed, so crds/ always equals the generator's
 * output; agent/api/crds.test.ts fails when it does not.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KINDS } from "../agent/api/kinds.ts";
import { generateCrdFiles } from "../agent/api/crd.ts";

const dir = join(import.meta.dirname, "..", "crds");
mkdirSync(dir, { recursive: true });
const files = generateCrdFiles(KINDS);
const wanted = new Set(files.map((f) => f.name));
for (const name of readdirSync(dir)) {
  if (name.endsWith(".yaml") && !wanted.has(name)) {
    rmSync(join(dir, name));
    console.log(`removed crds/${name}`);
  }
}
for (const { name, text } of files) {
  const path = join(dir, name);
  let old: string | undefined;
  try {
    old = readFileSync(path, "utf8");
  } catch {
    old = undefined;
  }
  if (old === text) continue;
  writeFileSync(path, text);
  console.log(`wrote crds/${name}`);
}
