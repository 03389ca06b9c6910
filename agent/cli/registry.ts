/**
 * Every `rivulet` subcommand, grouped by the module that implements it. Only the group a command line
 * names is loaded: `rivulet run` does not pay for the OCI, sigstore or kustomize modules it never uses
 * (memory is one of rivulet's goals; bench/flux-benchmark.ts reports the agent's RSS).
 */
import type { Command } from "./command.ts";

const GROUPS: Array<{ words: string[]; load: () => Promise<Command[]> }> = [
  { words: ["run"], load: async () => [(await import("./run.ts")).runCommand] },
  { words: ["demo"], load: async () => [(await import("./demo.ts")).demoCommand] },
  { words: ["get"], load: async () => [(await import("./get.ts")).getCommand, ...(await import("./notification.ts")).notificationCommands.get, ...(await import("./image.ts")).imageCommands.get] },
  { words: ["reconcile"], load: async () => [(await import("./reconcile.ts")).reconcileCommand] },
  {
    words: ["suspend", "resume"],
    load: async () => {
      const { suspendCommand, resumeCommand } = await import("./suspend-resume.ts");
      return [suspendCommand, resumeCommand];
    },
  },
  { words: ["tree"], load: async () => [(await import("./tree.ts")).treeCommand] },
  { words: ["events"], load: async () => [(await import("./events.ts")).eventsCommand] },
  { words: ["history"], load: async () => [(await import("./history.ts")).historyCommand] },
  { words: ["create"], load: async () => [(await import("./create.ts")).createCommand, ...(await import("./notification.ts")).notificationCommands.create, ...(await import("./image.ts")).imageCommands.create] },
  { words: ["diff"], load: async () => [(await import("./diff.ts")).diffCommand] },
  { words: ["build"], load: async () => [(await import("./build.ts")).buildCommand] },
  { words: ["template"], load: async () => [(await import("./template.ts")).templateCommand] },
  { words: ["artifact"], load: async () => (await import("./artifact.ts")).artifactCommands },
  { words: ["push", "pull", "tag", "sign", "verify"], load: async () => (await import("./oci.ts")).ociCommands },
  { words: ["sops"], load: async () => (await import("./sops.ts")).sopsCommands },
  {
    words: ["install", "uninstall", "check"],
    load: async () => {
      const m = await import("./install.ts");
      return [m.installCommand, m.installCrdsCommand, m.uninstallCommand, m.checkCommand];
    },
  },
  { words: ["bootstrap"], load: async () => [(await import("./bootstrap.ts")).bootstrapGitCommand] },
  { words: ["tenant"], load: async () => [(await import("./tenant.ts")).tenantCreateCommand] },
  { words: ["version"], load: async () => [(await import("./version.ts")).versionCommand] },
];

/** The commands for a command line starting with `firstWord`; all of them for help or an unknown word. */
export async function loadCommands(firstWord?: string): Promise<Command[]> {
  const named = GROUPS.filter((g) => g.words.includes(firstWord ?? ""));
  return (await Promise.all((named.length ? named : GROUPS).map((g) => g.load()))).flat();
}
