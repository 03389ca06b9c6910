import type { Command } from "./command.ts";
import pkg from "../../package.json" with { type: "json" };

export const versionCommand: Command = {
  path: ["version"],
  summary: "Print rivulet's version and the runtime it runs on",
  help: "Usage: rivulet version\n\nPrints the rivulet version and the JavaScript runtime (bun, deno or node) with its version.",
  async run(_args, io) {
    io.out(`rivulet ${pkg.version} (${runtimeName()})`);
    return 0;
  },
};

function runtimeName(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return `node ${(globalThis as unknown as { process: { version: string } }).process.version}`;
}
