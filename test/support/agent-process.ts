/** Starts `rivulet` as a real child process (Bun, or any command given) and collects its JSON log lines and stderr. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./cluster.ts";

export interface AgentProcess {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stderr: string[];
  exited: Promise<number>;
  /** Resolves with the first log line for which match is true; rejects on exit or timeout. */
  waitForLog(match: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function startRivulet(args: string[], env: Record<string, string | undefined> = {}): AgentProcess {
  return startAgentCommand([join(repoRoot, "node_modules/.bin/bun"), join(repoRoot, "agent/main.ts"), ...args], env);
}

/** Any command that runs the agent (e.g. the image's entrypoint under `buildah run`), logs collected the same way. */
export function startAgentCommand(command: string[], env: Record<string, string | undefined> = {}): AgentProcess {
  const [program, ...argv] = command as [string, ...string[]];
  const child = spawn(program, argv, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  const lines: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let out = "";
  child.stdout!.on("data", (d: Uint8Array) => {
    out += String(d);
    let nl: number;
    while ((nl = out.indexOf("\n")) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ unparsed: line });
      }
    }
    waiters.forEach((w) => w());
  });
  child.stderr!.on("data", (d: Uint8Array) => stderr.push(...String(d).split("\n").filter(Boolean)));
  const exited = new Promise<number>((res) => child.on("exit", (code) => res(code ?? 1)));
  return {
    child,
    lines,
    stderr,
    exited,
    waitForLog(match, timeoutMs = 30_000) {
      return new Promise((res, rej) => {
        const check = () => {
          const hit = lines.find(match);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            res(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          rej(new Error(`rivulet logged no matching line in ${timeoutMs} ms; stdout: ${JSON.stringify(lines.slice(-5))} stderr: ${stderr.slice(-5).join(" | ")}`));
        }, timeoutMs);
        waiters.add(check);
        exited.then(() => setTimeout(check, 50));
        check();
      });
    },
  };
}
