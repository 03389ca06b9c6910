import type { Command } from "./command.ts";
import pkg from "../../package.json" with { type: "json" };

export const versionCommand: Command = {
  path: ["version"],
  summary: "Print rivulet's version and the runtime it runs on",
  help: "Usage: rivulet version\n\nPrints the rivulet version and the JavaScript runtime (bun, deno or node) with its version, and \"compiled\" when it runs as an executable made by `npm run build:bin` or the image.",
  async run(_args, io) {
    // Modules of a `bun build --compile` executable live in Bun's embedded file system.
    const compiled = import.meta.url.includes("/$bunfs/") ? ", compiled" : "";
    io.out(`rivulet ${pkg.version} (${runtimeName()}${compiled})`);
    return 0;
  },
};

function runtimeName(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return `node ${(globalThis as unknown as { process: { version: string } }).process.version}`;
}
