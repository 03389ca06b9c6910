import { expect, test } from "bun:test";
import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { gunzip, gunzipJs, GunzipError } from "./gunzip.ts";
import { zlibGunzip } from "../runtime/native-gunzip.ts";

const paths = { fflate: undefined, zlib: zlibGunzip };

test("every gunzip path inflates the same bytes (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 50_000 }), fc.integer({ min: 1, max: 9 }), (data, level) => {
      const gz = new Uint8Array(gzipSync(data, { level: level as 1 }));
      for (const native of Object.values(paths)) expect([...gunzip(gz, data.length, native)]).toEqual([...data]);
    }),
    { numRuns: 80 },
  );
});

test.each(Object.entries(paths))("gunzip (%s) stops at the output cap", (_name, native) => {
  const gz = new Uint8Array(gzipSync(new Uint8Array(32 * 1024 * 1024)));
  const err = (() => {
    try {
      gunzip(gz, 1000, native);
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(GunzipError);
  expect((err as GunzipError).problem).toBe("too-large");
});

test.each(Object.entries(paths))("gunzip (%s) tells truncated from corrupt streams", (_name, native) => {
  const data = new TextEncoder().encode("kind: ConfigMap\n".repeat(1000));
  const gz = new Uint8Array(gzipSync(data));
  const problem = (b: Uint8Array) => {
    try {
      gunzip(b, 1 << 20, native);
      return "ok";
    } catch (e) {
      return (e as GunzipError).problem;
    }
  };
  expect(problem(gz.subarray(0, gz.length - 20))).toBe("truncated");
  const flipped = gz.slice();
  flipped[gz.length - 6]! ^= 0xff; // CRC byte
  expect(problem(flipped)).toBe("corrupt");
  expect(problem(gz)).toBe("ok");
});

test("the portable gunzip reads concatenated gzip members", () => {
  const a = new Uint8Array(gzipSync(new TextEncoder().encode("a")));
  const b = new Uint8Array(gzipSync(new TextEncoder().encode("b")));
  const both = new Uint8Array([...a, ...b]);
  expect(new TextDecoder().decode(gunzipJs(both, 10))).toBe("ab");
});
