import { describe, expect, test } from "bun:test";
import { readBounded } from "./bounded-read.ts";

/** A body of `chunks` chunks of `size` bytes that counts how many chunks were pulled. */
function body(chunks: number, size: number): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let n = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (n === chunks) return c.close();
      c.enqueue(new Uint8Array(size).fill(n++));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, pulled: () => n, cancelled: () => cancelled };
}

describe("readBounded", () => {
  test("returns the whole body when it fits, chunks in order", async () => {
    const b = body(3, 4);
    const got = await readBounded(b.stream, null, 12);
    expect(got).toEqual(new Uint8Array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]));
  });

  test("a declared length over the cap is refused before any byte is read", async () => {
    const b = body(3, 4);
    expect(await readBounded(b.stream, "13", 12)).toBe("too large");
    expect(b.pulled()).toBe(0);
    expect(b.cancelled()).toBe(true);
  });

  test("an undeclared body is cut at the first chunk past the cap", async () => {
    const b = body(1000, 4);
    expect(await readBounded(b.stream, null, 10)).toBe("too large");
    expect(b.pulled()).toBeLessThanOrEqual(4);
    expect(b.cancelled()).toBe(true);
  });

  test("a body that lies about its length is still cut", async () => {
    const b = body(1000, 4);
    expect(await readBounded(b.stream, "8", 10)).toBe("too large");
  });

  test("no body is empty", async () => {
    expect(await readBounded(null, null, 0)).toEqual(new Uint8Array(0));
  });

  test("a read error reaches the caller unchanged", async () => {
    const failing = new ReadableStream<Uint8Array>({
      pull() {
        throw new Error("connection reset");
      },
    });
    await expect(readBounded(failing, null, 10)).rejects.toThrow("connection reset");
  });
});
