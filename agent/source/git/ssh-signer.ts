/**
 * Signs commits with an SSH key in OpenSSH's SSHSIG format (PROTOCOL.sshsig), namespace "git", SHA-512,
 * as `git commit -S` with `gpg.format=ssh` does, so `git verify-commit` with `gpg.ssh.allowedSignersFile`
 * accepts it. Ed25519 signs with Ed25519, RSA with rsa-sha2-512, ECDSA with the curve's own hash (the
 * signature is SSH's pair of mpints r and s). The key comes from openssh-key.ts.
 */
import type { CommitSigner } from "./object-writer.ts";
import { parseOpenSshPrivateKey, type SshPrivateKey } from "./openssh-key.ts";

export const DEFAULTS = {
  namespace: "git",
  hash: "sha512",
} as const;

const enc = new TextEncoder();

function sshString(b: Uint8Array | string): Uint8Array {
  const data = typeof b === "string" ? enc.encode(b) : b;
  const out = new Uint8Array(4 + data.length);
  new DataView(out.buffer).setUint32(0, data.length);
  out.set(data, 4);
  return out;
}

/** An SSH mpint: big-endian, no leading zeros, a zero byte first when the top bit is set. */
function mpint(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  const v = b.subarray(i);
  return sshString(v.length > 0 && v[0]! & 0x80 ? Uint8Array.of(0, ...v) : v);
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const ECDSA_HASH = { "ecdsa-sha2-nistp256": "SHA-256", "ecdsa-sha2-nistp384": "SHA-384", "ecdsa-sha2-nistp521": "SHA-512" } as const;

/** The SSH signature blob (algorithm name + signature) over `data`. */
async function signBlob(key: SshPrivateKey, data: Uint8Array): Promise<Uint8Array> {
  const bytes = data as Uint8Array<ArrayBuffer>;
  if (key.type === "ssh-ed25519") {
    const sig = new Uint8Array(await crypto.subtle.sign("Ed25519", key.key, bytes));
    return join([sshString("ssh-ed25519"), sshString(sig)]);
  }
  if (key.type === "ssh-rsa") {
    const sig = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key.key, bytes));
    return join([sshString("rsa-sha2-512"), sshString(sig)]);
  }
  const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: ECDSA_HASH[key.type] }, key.key, bytes));
  const half = raw.length / 2;
  return join([sshString(key.type), sshString(join([mpint(raw.subarray(0, half)), mpint(raw.subarray(half))]))]);
}

/** The armored SSHSIG signature of `message`. */
export async function sshSign(key: SshPrivateKey, message: Uint8Array, namespace: string = DEFAULTS.namespace): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", message as Uint8Array<ArrayBuffer>));
  const magic = enc.encode("SSHSIG");
  const signed = join([magic, sshString(namespace), sshString(""), sshString(DEFAULTS.hash), sshString(digest)]);
  const version = new Uint8Array(4);
  new DataView(version.buffer).setUint32(0, 1);
  const blob = join([magic, version, sshString(key.publicBlob), sshString(namespace), sshString(""), sshString(DEFAULTS.hash), sshString(await signBlob(key, signed))]);
  let bin = "";
  for (const b of blob) bin += String.fromCharCode(b);
  const lines = btoa(bin).match(/.{1,70}/g) ?? [];
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join("\n")}\n-----END SSH SIGNATURE-----\n`;
}

/** A signer from an OpenSSH private key file (Flux's `identity`) and its optional `password`. */
export async function sshSigner(privateKeyFile: string, password?: string): Promise<CommitSigner> {
  const key = await parseOpenSshPrivateKey(privateKeyFile, password);
  return (payload) => sshSign(key, payload);
}
