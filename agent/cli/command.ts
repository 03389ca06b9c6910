/**
 * The shape of a `rivulet` subcommand. Each command group lives in its own file under agent/cli/ and is
 * listed in registry.ts; main.ts dispatches. Commands parse their own flags (node:util parseArgs) and
 * return an exit code: 0 success, 1 a result the user asked about (e.g. drift found), 2 usage errors,
 * 3 runtime failures. They never call process.exit themselves, so they can be tested in-process.
 */

export interface CliIO {
  /** Writes one line (a newline is added) to stdout. */
  out(line: string): void;
  /** Writes bytes to stdout as they are (a decrypted binary file); commands fall back to out() without it. */
  write?(bytes: Uint8Array): void;
  /** Writes one line to stderr: progress and errors. */
  err(line: string): void;
  /** Environment variables, passed in so commands stay testable. */
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM; long-running commands stop when it fires. */
  signal: AbortSignal;
}

export interface Command {
  /** The words that select it, e.g. ["artifact", "pack"]. */
  path: string[];
  /** One line for the command list. */
  summary: string;
  /** Full --help text: usage line, description, flags. */
  help: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** Thrown for bad flags or arguments: main prints the message and the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
