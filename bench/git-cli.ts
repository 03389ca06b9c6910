/**
 * The git CLI as a yardstick for the benchmarks that commit and push (git-push.ts, image-automation.ts):
 * a depth-1 clone, the same files written, one commit and a push, timed whole, with the peak RSS of the
 * git processes from /usr/bin/time. Runs without blocking the event loop, since the git server under
 * test answers from the calling process.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A program's exit status and output, without blocking the event loop. */
export function runAsync(cmd: string, args: string[], cwd?: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { cwd, maxBuffer: 1 << 26 }, (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
  );
}

/** Clones `main` of `url`, writes `files` (path -> content), commits and pushes; time and peak KiB. */
export async function gitCliCommitPush(url: string, run: number, files: Iterable<[string, string]>): Promise<{ ms: number; hwmKiB: number }> {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-git-cli-bench-"));
  const timed = async (script: string, cwd: string) => {
    const r = await runAsync("/usr/bin/time", ["-f", "%M", "bash", "-c", script], cwd);
    if (r.status !== 0) throw new Error(`git CLI run failed: ${r.stderr}`);
    return Number(r.stderr.trim().split("\n").pop());
  };
  const t = performance.now();
  const hwm1 = await timed(`git clone -q --depth 1 -b main ${url} w`, dir);
  const work = join(dir, "w");
  for (const [path, content] of files) writeFileSync(join(work, path), content);
  const hwm2 = await timed(`git -c user.name=bench -c user.email=bench@example.com commit -q -a -m "run ${run}" && git push -q origin main`, work);
  const ms = performance.now() - t;
  rmSync(dir, { recursive: true, force: true });
  return { ms, hwmKiB: Math.max(hwm1, hwm2) };
}
