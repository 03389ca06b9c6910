/**
 * rivulet's composition root: the only module that reads process arguments, environment and signals,
 * then hands plain values to the commands.
 */
import process from "node:process";
// Deno's node:crypto.verify needs a fix before keyless (sigstore) verification can run.
import "./runtime/sigstore-shim.ts";
import { dispatch } from "./cli/dispatch.ts";
import { loadCommands } from "./cli/registry.ts";

const controller = new AbortController();
let interrupted = 0;
const onSignal = (sig: string) => {
  interrupted++;
  if (interrupted > 1) process.exit(130);
  controller.abort(new Error(`received ${sig}`));
};
process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));

const argv = process.argv.slice(2);
const code = await dispatch(argv, await loadCommands(argv.find((a) => !a.startsWith("-"))), {
  out: (line) => process.stdout.write(line + "\n"),
  write: (bytes) => process.stdout.write(bytes),
  err: (line) => process.stderr.write(line + "\n"),
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
// Commands close their own servers and watches; keep-alive sockets to the API server would still hold
// the event loop open, so the process exits explicitly once the command has returned. The timer is
// unref'd so that it does not itself keep a finished command (a build) alive for those 50 ms.
const exitTimer = setTimeout(() => process.exit(code), 50) as unknown as { unref?: () => void };
exitTimer.unref?.();
