/**
 * `rivulet sops decrypt|encrypt`: sops files without the sops binary. decrypt prints the plaintext as
 * `sops -d` does (the MAC checked first; nothing is printed when it fails); encrypt writes a
 * sops-compatible file for age recipients or OpenPGP keys, in the input's format, so users and tests
 * can make encrypted sources that Flux, sops and rivulet all read.
 */
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { decryptSops, encryptSops, keyringFromFile, mergeKeyrings, sopsFormatForPath, type SopsFormat, type SopsKeyring } from "../sops/sops.ts";
import { UsageError, type CliIO, type Command } from "./command.ts";

const FORMATS: readonly SopsFormat[] = ["yaml", "json", "dotenv", "ini", "binary"];

function format(flag: string, value: unknown): SopsFormat | undefined {
  if (value === undefined) return undefined;
  if (!FORMATS.includes(value as SopsFormat)) throw new UsageError(`--${flag} must be one of ${FORMATS.join(", ")}, got "${String(value)}"`);
  return value as SopsFormat;
}

function parse(argv: string[], options: ParseArgsConfig["options"], usage: string) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one file: ${usage}`);
  return { values: parsed.values as Record<string, string | string[] | boolean | undefined>, file: parsed.positionals[0]! };
}

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [String(v)]);

/** The input's format: --input-type, else sops's choice by extension. */
function inputFormat(values: Record<string, unknown>, file: string): SopsFormat {
  return format("input-type", values["input-type"]) ?? sopsFormatForPath(file);
}

async function keyring(files: string[], passphrases: string[], io: CliIO): Promise<SopsKeyring> {
  const rings = await Promise.all(files.map(async (f) => keyringFromFile(f, new Uint8Array(await readFile(resolve(io.cwd, f))), passphrases)));
  return mergeKeyrings(...rings);
}

/** Writes the result to -o FILE, or to stdout byte for byte. */
async function emit(bytes: Uint8Array, output: unknown, io: CliIO): Promise<void> {
  if (typeof output === "string") {
    await writeFile(resolve(io.cwd, output), bytes, { mode: 0o600 });
    return;
  }
  if (io.write) io.write(bytes);
  else io.out(new TextDecoder().decode(bytes).replace(/\n$/, ""));
}

export const sopsDecryptCommand: Command = {
  path: ["sops", "decrypt"],
  summary: "Print the plaintext of a sops file (YAML, JSON, dotenv, INI, binary), MAC checked",
  help: `Usage: rivulet sops decrypt --key FILE [--key FILE...] [--output-type FORMAT] [--input-type FORMAT] [-o OUT] FILE

Decrypts FILE as 'sops -d' does and prints the plaintext: the data key is opened with the keys given
(age identity files, one or more AGE-SECRET-KEY-1… or AGE-SECRET-KEY-PQ-1… lines with # comments; or
armored OpenPGP private keys), every value is decrypted and the MAC is verified before anything is
printed. The format follows the extension (.yaml/.yml, .json, .env, .ini, anything else binary) unless
--input-type says otherwise. KMS, Vault and cloud key groups are not supported.

Flags:
  --key FILE             an age identity file or an OpenPGP private key (repeatable; required)
  --passphrase TEXT      unlocks a passphrase-protected OpenPGP key (repeatable)
  --input-type FORMAT    yaml, json, dotenv, ini or binary (default: from the extension)
  --output-type FORMAT   print in another format (default: the input's)
  -o, --output OUT       write the plaintext to OUT (mode 0600) instead of stdout`,
  async run(argv, io) {
    const usage = "rivulet sops decrypt --key FILE FILE";
    const { values, file } = parse(
      argv,
      { key: { type: "string", multiple: true }, passphrase: { type: "string", multiple: true }, "input-type": { type: "string" }, "output-type": { type: "string" }, output: { type: "string", short: "o" } },
      usage,
    );
    const keys = list(values.key);
    if (keys.length === 0) throw new UsageError("--key FILE is required");
    const fmt = inputFormat(values, file);
    const outputFormat = format("output-type", values["output-type"]);
    const bytes = new Uint8Array(await readFile(resolve(io.cwd, file)));
    const plain = await decryptSops(bytes, { format: fmt, outputFormat, keyring: await keyring(keys, list(values.passphrase), io), name: file });
    await emit(plain, values.output, io);
    return 0;
  },
};

export const sopsEncryptCommand: Command = {
  path: ["sops", "encrypt"],
  summary: "Encrypt a file as sops does, for age recipients or OpenPGP keys",
  help: `Usage: rivulet sops encrypt (--age RECIPIENT | --pgp FPR|KEYFILE)... [rule] [-o OUT] FILE

Encrypts FILE as 'sops -e' does: a fresh data key, every selected value encrypted with AES-256-GCM under
its path, a MAC over the values, the data key wrapped for each recipient. The output keeps the input's
format, key order and (YAML) comments, and decrypts with sops, Flux's kustomize-controller and
'rivulet sops decrypt'.

Flags:
  --age RECIPIENT                 an age recipient, age1… or age1pq1… (repeatable)
  --pgp FPR|KEYFILE               an armored OpenPGP public key file, or the fingerprint of a key in a --key file (repeatable)
  --key FILE                      OpenPGP keys to resolve --pgp fingerprints from (repeatable)
  --shamir-key-groups             put each recipient in its own key group and split the data key (Shamir)
  --shamir-threshold N            how many groups recover the key (default: all)
  --encrypted-regex RE            encrypt only values under keys matching RE (e.g. '^(data|stringData)$')
  --unencrypted-regex RE          leave values under keys matching RE in clear text
  --encrypted-suffix S            encrypt only values under keys ending with S
  --unencrypted-suffix S          leave values under keys ending with S in clear (default: _unencrypted)
  --encrypted-comment-regex RE    encrypt only values after a comment matching RE
  --unencrypted-comment-regex RE  leave values after a comment matching RE in clear text
  --mac-only-encrypted            compute the MAC over the encrypted values only
  --input-type FORMAT             yaml, json, dotenv, ini or binary (default: from the extension)
  --output-type FORMAT            write in another format (default: the input's)
  -o, --output OUT                write to OUT instead of stdout`,
  async run(argv, io) {
    const usage = "rivulet sops encrypt --age RECIPIENT FILE";
    const str = { type: "string" } as const;
    const { values, file } = parse(
      argv,
      {
        age: { type: "string", multiple: true }, pgp: { type: "string", multiple: true }, key: { type: "string", multiple: true },
        "shamir-key-groups": { type: "boolean" }, "shamir-threshold": str,
        "encrypted-regex": str, "unencrypted-regex": str, "encrypted-suffix": str, "unencrypted-suffix": str,
        "encrypted-comment-regex": str, "unencrypted-comment-regex": str, "mac-only-encrypted": { type: "boolean" },
        "input-type": str, "output-type": str, output: { type: "string", short: "o" },
      },
      usage,
    );
    const age = list(values.age);
    const pgp: string[] = [];
    for (const p of list(values.pgp)) {
      // A fingerprint is 40 hex digits (spaces allowed); anything else names a key file.
      if (/^[0-9A-Fa-f\s]{16,}$/.test(p) && p.replace(/\s/g, "").length >= 16) pgp.push(p);
      else pgp.push(await readFile(resolve(io.cwd, p), "utf8"));
    }
    if (age.length + pgp.length === 0) throw new UsageError("at least one --age or --pgp is required");
    const threshold = values["shamir-threshold"] === undefined ? undefined : Number(values["shamir-threshold"]);
    if (threshold !== undefined && !(Number.isInteger(threshold) && threshold >= 1)) throw new UsageError("--shamir-threshold must be a whole number");
    const groups = values["shamir-key-groups"] ? [...age.map((a) => ({ age: [a] })), ...pgp.map((p) => ({ pgp: [p] }))] : undefined;
    const bytes = new Uint8Array(await readFile(resolve(io.cwd, file)));
    const out = await encryptSops(bytes, {
      format: inputFormat(values, file),
      outputFormat: format("output-type", values["output-type"]),
      age,
      pgp,
      keyGroups: groups,
      shamirThreshold: threshold,
      keyring: await keyring(list(values.key), [], io),
      encryptedRegex: values["encrypted-regex"] as string | undefined,
      unencryptedRegex: values["unencrypted-regex"] as string | undefined,
      encryptedSuffix: values["encrypted-suffix"] as string | undefined,
      unencryptedSuffix: values["unencrypted-suffix"] as string | undefined,
      encryptedCommentRegex: values["encrypted-comment-regex"] as string | undefined,
      unencryptedCommentRegex: values["unencrypted-comment-regex"] as string | undefined,
      macOnlyEncrypted: values["mac-only-encrypted"] === true,
      name: file,
    });
    await emit(out, values.output, io);
    return 0;
  },
};

export const sopsCommands: Command[] = [sopsDecryptCommand, sopsEncryptCommand];
