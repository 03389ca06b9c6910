/**
 * Finds the command for argv and runs it, with `--help` on every level and clear usage errors.
 */
import type { CliIO, Command } from "./command.ts";
import { UsageError } from "./command.ts";
import { messageOf } from "../core/errors.ts";

export async function dispatch(argv: string[], commands: Command[], io: CliIO): Promise<number> {
  const words = argv.filter((a) => !a.startsWith("-"));
  // The longest command path that prefixes the positional words wins.
  let best: Command | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => words[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  const wantsHelp = argv.includes("--help") || argv.includes("-h");
  if (!best) {
    const prefix = words.filter((w) => commands.some((c) => c.path.includes(w)));
    if (words.length > 0 && !wantsHelp && !(words[0] === "help")) {
      io.err(`Unknown command: rivulet ${words.join(" ")}`);
      io.err("");
      io.err(overview(commands, prefix));
      return 2;
    }
    io.out(overview(commands, words[0] === "help" ? words.slice(1) : prefix));
    return 0;
  }
  if (wantsHelp) {
    io.out(best.help);
    return 0;
  }
  // Drop the command words (first occurrences, in order) and hand the rest to the command.
  const rest = [...argv];
  for (const w of best.path) rest.splice(rest.indexOf(w), 1);
  try {
    return await best.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`Error: ${err.message}`);
      io.err(`Run 'rivulet ${best.path.join(" ")} --help' for usage`);
      return 2;
    }
    io.err(`Error: ${messageOf(err)}`);
    if (io.env.RIVULET_DEBUG) io.err(String((err as Error)?.stack ?? err));
    return 3;
  }
}

function overview(commands: Command[], prefix: string[]): string {
  const shown = commands.filter((c) => prefix.every((w, i) => c.path[i] === w));
  const list = (shown.length ? shown : commands)
    .map((c) => `  ${c.path.join(" ").padEnd(28)} ${c.summary}`)
    .join("\n");
  return [
    "rivulet: a per-tenant GitOps agent that speaks Flux's APIs",
    "",
    "Usage: rivulet <command> [flags]",
    "",
    "Commands:",
    list,
    "",
    "Run 'rivulet <command> --help' for a command's flags.",
  ].join("\n");
}
