import { expect, test } from "bun:test";
import fc from "fast-check";
import { concat } from "./bytes.ts";

test("concat joins chunks in order, whatever their sizes", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
      const joined = concat(chunks);
      expect([...joined]).toEqual(chunks.flatMap((c) => [...c]));
    }),
  );
});
