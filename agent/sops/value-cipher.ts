/**
 * One sops value: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, AES-256-GCM under the file's data key with
 * a 32-byte IV and the value's tree path as additional data. The type tag says how the plaintext reads
 * back (str, int, float, bool, bytes, time, comment); `valueBytes` is also what the MAC hashes.
 */
import { base64Decode, base64Encode } from "../core/bytes.ts";
import type { AesGcm } from "./aes-gcm.ts";
import { BinaryString, Comment, SopsTime, type Scalar } from "./tree.ts";

const ENC = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const IV_BYTES = 32;
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export type ValueType = "str" | "int" | "float" | "bool" | "bytes" | "time" | "comment";

export const isEncryptedValue = (s: string): boolean => ENC.test(s);

/** Go's strconv.FormatFloat(f, 'f', -1, 64): the shortest digits that read back, never an exponent. */
export function formatFloatF(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  const text = String(f);
  const e = text.indexOf("e");
  if (e < 0) return text;
  const negative = text.startsWith("-");
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exp = Number(text.slice(e + 1));
  const [whole, frac = ""] = mantissa.split(".") as [string, string?];
  const digits = whole + frac;
  const point = whole.length + exp;
  let out: string;
  if (point <= 0) out = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? "-" : "") + out;
}

/** sops's ToBytes: the plaintext form of a leaf, as encrypted and as hashed into the MAC. */
export function valueBytes(v: Scalar | Comment): Uint8Array {
  if (typeof v === "string") return utf8.encode(v);
  if (typeof v === "bigint") return utf8.encode(v.toString());
  if (typeof v === "number") return utf8.encode(formatFloatF(v));
  if (typeof v === "boolean") return utf8.encode(v ? "True" : "False");
  if (v instanceof Uint8Array) return v;
  if (v instanceof BinaryString) return v.bytes;
  if (v instanceof SopsTime) return utf8.encode(v.text);
  if (v instanceof Comment) return utf8.encode(v.value);
  throw new Error("a null value has no bytes");
}

function typeOf(v: Scalar | Comment): ValueType {
  if (typeof v === "string" || v instanceof BinaryString) return "str";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "float";
  if (typeof v === "boolean") return "bool";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof SopsTime) return "time";
  if (v instanceof Comment) return "comment";
  throw new Error("a null value cannot be encrypted");
}

const isEmpty = (v: Scalar | Comment) => v === "" || (v instanceof Uint8Array && v.length === 0) || (v instanceof Comment && v.value === "");

/** Encrypts one leaf; empty strings and comments stay empty, as sops leaves them. */
export async function encryptValue(v: Scalar | Comment, cipher: AesGcm, additionalData: string, iv?: Uint8Array): Promise<string> {
  if (isEmpty(v)) return "";
  const nonce = iv ?? crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await cipher.seal(nonce, valueBytes(v), utf8.encode(additionalData));
  const data = sealed.subarray(0, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  return `ENC[AES256_GCM,data:${base64Encode(data)},iv:${base64Encode(nonce)},tag:${base64Encode(tag)},type:${typeOf(v)}]`;
}

/** Why a value could not be decrypted: the message never holds the value or its plaintext. */
export class ValueError extends Error {}

/** Decrypts one `ENC[…]` value back to its typed leaf; an empty string decrypts to itself. */
export async function decryptValue(text: string, cipher: AesGcm, additionalData: string): Promise<Scalar | Comment> {
  if (text === "") return "";
  const m = ENC.exec(text);
  if (!m) throw new ValueError("the value does not match sops' ENC[AES256_GCM,…] format");
  let data: Uint8Array, iv: Uint8Array, tag: Uint8Array;
  try {
    [data, iv, tag] = [base64Decode(m[1]!), base64Decode(m[2]!), base64Decode(m[3]!)];
  } catch {
    throw new ValueError("the value's data, iv or tag is not valid base64");
  }
  if (iv.length === 0 || tag.length !== TAG_BYTES) throw new ValueError("the value's iv or tag has the wrong length");
  let plain: Uint8Array;
  try {
    const sealed = new Uint8Array(data.length + tag.length);
    sealed.set(data);
    sealed.set(tag, data.length);
    plain = await cipher.open(iv, sealed, utf8.encode(additionalData));
  } catch {
    throw new ValueError("AES-GCM authentication failed (wrong data key, or the value or its path was changed)");
  }
  return typed(plain, m[4]!);
}

function typed(plain: Uint8Array, type: string): Scalar | Comment {
  let s: string;
  try {
    s = strictUtf8.decode(plain);
  } catch {
    if (type === "str") return new BinaryString(plain);
    if (type === "bytes") return plain;
    throw new ValueError(`a ${type} value is not valid UTF-8`);
  }
  switch (type) {
    case "str":
      return s;
    case "int":
      if (!/^[+-]?[0-9]+$/.test(s)) throw new ValueError("an int value does not hold an integer");
      return BigInt(s);
    case "float": {
      const f = parseGoFloat(s);
      if (f === undefined) throw new ValueError("a float value does not hold a number");
      return f;
    }
    case "bool": {
      const b = Object.hasOwn(GO_BOOLS, s) ? GO_BOOLS[s] : undefined;
      if (b === undefined) throw new ValueError("a bool value does not hold a boolean");
      return b;
    }
    case "bytes":
      return plain;
    case "time":
      return new SopsTime(s);
    case "comment":
      return new Comment(s);
    default:
      throw new ValueError(`unknown value type ${JSON.stringify(type.slice(0, 20))}`);
  }
}

/** strconv.ParseBool's spellings. */
const GO_BOOLS: Record<string, boolean> = {
  "1": true, t: true, T: true, TRUE: true, true: true, True: true,
  "0": false, f: false, F: false, FALSE: false, false: false, False: false,
};

function parseGoFloat(s: string): number | undefined {
  const lower = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith("-") ? -Infinity : Infinity;
  if (lower === "nan") return NaN;
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(e[+-]?\d+)?$/.test(lower)) return undefined;
  return Number(lower.replaceAll("_", ""));
}
