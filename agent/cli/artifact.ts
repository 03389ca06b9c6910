/**
 * `rivulet artifact pack|unpack|digest`: Flux-format artifacts from the command line. pack prints the
 * digest as its last stdout line; unpack validates the whole archive before writing anything and fails
 * with a one-line reason; digest prints `sha256:<hex>` of a file. Native hashing and gunzip come from
 * agent/runtime and are passed into the portable code.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { digestOf, parseDigest } from "../artifact/digest.ts";
import { pack } from "../artifact/pack.ts";
import { writeTree } from "../artifact/file-tree.ts";
import { DEFAULTS as UNPACK, unpack } from "../artifact/unpack.ts";
import { fsTreeReader, fsTreeSink } from "../runtime/artifact-fs.ts";
import { nativeSha256 } from "../runtime/native-digest.ts";
import { nativeGunzip } from "../runtime/native-gunzip.ts";
import { UsageError, type Command } from "./command.ts";

interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function args(argv: string[], options: ParseArgsConfig["options"], count: number, usage: string): Parsed {
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as Parsed;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length !== count) throw new UsageError(`expected ${usage}`);
  return parsed;
}

function byteCount(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === "-1") return Infinity;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} must be a whole number of bytes or -1 (unlimited), got "${value}"`);
  return Number(value);
}

export const artifactPackCommand: Command = {
  path: ["artifact", "pack"],
  summary: "Pack a directory into a Flux-format tar.gz and print its digest",
  help: `Usage: rivulet artifact pack DIR -o FILE [--ignore PATTERNS]

Packs DIR the way Flux's source-controller does (lexical walk, regular files and directories only,
uid/gid 0, mtime 0, modes 0750/0600/0700, .sourceignore files and Flux's default exclusions) and writes
the tar.gz to FILE. The last line on stdout is the digest, sha256:<hex>. The bytes are the same on Bun,
Deno and Node.

Flags:
  -o, --output FILE      where to write the tar.gz (required)
  --ignore PATTERNS      gitignore lines applied last, like a source's spec.ignore (newline-separated)`,
  async run(argv, io) {
    const { values, positionals } = args(
      argv,
      { output: { type: "string", short: "o" }, ignore: { type: "string" } },
      1,
      "one directory: rivulet artifact pack DIR -o FILE",
    );
    if (!values.output) throw new UsageError("-o FILE is required");
    const dir = resolve(io.cwd, positionals[0]!);
    const result = await pack(fsTreeReader(dir), { ignore: values.ignore as string | undefined, sha256: nativeSha256 });
    await writeFile(resolve(io.cwd, values.output as string), result.bytes, { mode: 0o600 });
    io.err(`packed ${result.entries} entries, ${result.bytes.length} bytes`);
    io.out(result.digest);
    return 0;
  },
};

export const artifactUnpackCommand: Command = {
  path: ["artifact", "unpack"],
  summary: "Verify and unpack a tar.gz artifact into a directory, safely",
  help: `Usage: rivulet artifact unpack FILE DIR [--max-size BYTES] [--max-entries N] [--digest sha256:<hex>] [--skip-symlinks]

Checks the digest (when given), then inflates and validates the whole archive in memory, and only then
writes it under DIR. Absolute paths, "..", backslashes, hard links, devices and fifos are rejected;
symlinks too unless --skip-symlinks. On any rejection it exits 3 with a one-line reason and writes nothing.

Flags:
  --max-size BYTES     cap on the sum of entry sizes (default ${UNPACK.maxSize}; -1 for unlimited)
  --max-entries N      cap on the number of tar headers (default ${UNPACK.maxEntries})
  --digest DIGEST      expected sha256:<hex> of FILE
  --skip-symlinks      drop symlink entries instead of failing`,
  async run(argv, io) {
    const { values, positionals } = args(
      argv,
      {
        "max-size": { type: "string" },
        "max-entries": { type: "string" },
        digest: { type: "string" },
        "skip-symlinks": { type: "boolean" },
      },
      2,
      "a file and a directory: rivulet artifact unpack FILE DIR",
    );
    const digest = values.digest === undefined ? undefined : parseDigestFlag(values.digest as string);
    const maxSize = byteCount("max-size", values["max-size"] as string | undefined, UNPACK.maxSize);
    const maxEntries = byteCount("max-entries", values["max-entries"] as string | undefined, UNPACK.maxEntries);
    const bytes = new Uint8Array(await readFile(resolve(io.cwd, positionals[0]!)));
    const target = resolve(io.cwd, positionals[1]!);
    // Validate fully before creating even the target directory, so a rejected archive leaves no trace.
    const tree = await unpack(bytes, {
      maxSize,
      maxEntries,
      digest,
      skipSymlinks: values["skip-symlinks"] === true,
      sha256: nativeSha256,
      gunzip: nativeGunzip(),
    });
    await mkdir(target, { recursive: true });
    await writeTree(tree, fsTreeSink(target));
    io.err(`unpacked ${tree.size} entries into ${target}`);
    return 0;
  },
};

export const artifactDigestCommand: Command = {
  path: ["artifact", "digest"],
  summary: "Print the sha256 digest of a file as Flux records it",
  help: "Usage: rivulet artifact digest FILE\n\nPrints sha256:<hex> of FILE's bytes (for an artifact: the compressed tar.gz).",
  async run(argv, io) {
    const { positionals } = args(argv, {}, 1, "one file: rivulet artifact digest FILE");
    io.out(await digestOf(new Uint8Array(await readFile(resolve(io.cwd, positionals[0]!))), nativeSha256));
    return 0;
  },
};

function parseDigestFlag(s: string) {
  try {
    return parseDigest(s);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export const artifactCommands: Command[] = [artifactPackCommand, artifactUnpackCommand, artifactDigestCommand];
