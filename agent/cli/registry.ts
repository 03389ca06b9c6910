/** Every `rivulet` subcommand. Add a command group by importing its list here. */
import type { Command } from "./command.ts";
import { artifactCommands } from "./artifact.ts";
import { buildCommand } from "./build.ts";
import { demoCommand } from "./demo.ts";
import { diffCommand } from "./diff.ts";
import { objectCommands } from "./objects.ts";
import { ociCommands } from "./oci.ts";
import { runCommand } from "./run.ts";
import { versionCommand } from "./version.ts";

export const commands: Command[] = [
  ...artifactCommands,
  buildCommand,
  runCommand,
  demoCommand,
  diffCommand,
  ...objectCommands,
  ...ociCommands,
  versionCommand,
];
