import { describe, expect, test } from "bun:test";
import { deflateSync } from "node:zlib";
import { zlibInflateAt } from "./native-git.ts";

const data = new TextEncoder().encode("apiVersion: v1\nkind: ConfigMap\n".repeat(200));
const z = new Uint8Array(deflateSync(data));
const withNext = (stream: Uint8Array): Uint8Array => {
  const b = new Uint8Array(3 + stream.length + 7);
  b.set([9, 9, 9]);
  b.set(stream, 3);
  b.fill(0x78, 3 + stream.length);
  return b;
};

describe("zlibInflateAt", () => {
  test.each([
    ["followed by the next object", withNext(z), 3],
    ["ending exactly at the buffer's end", z, 0],
  ])("inflates a whole stream %s and reports where it ended", (_name, buf, offset) => {
    const r = zlibInflateAt(buf, offset, data.length);
    expect(Buffer.from(r.data).equals(Buffer.from(data))).toBe(true);
    expect(r.end).toBe(offset + z.length);
  });

  test.each([
    ["cut inside its data", z.subarray(0, z.length >> 1), data.length, "Cannot inflate the zlib stream: unexpected end of file"],
    ["cut inside its Adler-32 trailer", z.subarray(0, z.length - 2), data.length, "Cannot inflate the zlib stream: unexpected end of file"],
    ["empty", z.subarray(0, 0), data.length, "Cannot inflate the zlib stream: unexpected end of file"],
    ["shorter than its header says", withNext(z), data.length + 1, `Cannot inflate the zlib stream: output is ${data.length} bytes, expected ${data.length + 1}`],
  ])("refuses a stream %s", (_name, buf, size, message) => {
    const offset = buf.length > z.length ? 3 : 0;
    expect(() => zlibInflateAt(buf, offset, size)).toThrow(message);
  });
});
