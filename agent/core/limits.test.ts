import { describe, expect, test } from "bun:test";
import { DEFAULTS, exceeded, FLAGS, formatSize, LimitError, parseSize } from "./limits.ts";

describe("limits", () => {
  test("a refusal names what was measured, the limit and the flag that raises it", () => {
    const cases: Array<[Parameters<typeof exceeded>, string]> = [
      [["maxEntries", "the artifact", 25_054, 20_000], "the artifact has 25,054 entries, over the limit of 20,000 entries (raise it with rivulet run --max-artifact-entries)"],
      [["maxArtifactSize", "the artifact", undefined, 100 * 1024 * 1024], "the artifact is over the limit of 100 MiB (raise it with rivulet run --max-artifact-size)"],
      [["maxFileSize", "a blob in the commit", 50_000_073, 16 * 1024 * 1024], "a blob in the commit is 50,000,073 bytes, over the limit of 16 MiB (raise it with rivulet run --max-file-size)"],
      [["maxDocumentSize", 'document 2 of "big.yaml"', 4_000_045, 3 * 1024 * 1024], 'document 2 of "big.yaml" is 4,000,045 bytes, over the limit of 3 MiB (raise it with rivulet run --max-document-size)'],
      [["maxFileSize", "a blob in the commit", 5000, 4096], "a blob in the commit is 5,000 bytes, over the limit of 4 KiB (raise it with rivulet run --max-file-size)"],
    ];
    for (const [args, message] of cases) {
      const err = exceeded(...args);
      expect(err).toBeInstanceOf(LimitError);
      expect(err.limit).toBe(args[0]);
      expect(err.message).toBe(message);
    }
  });

  test("every limit has a flag, and the defaults are the documented ones", () => {
    expect(Object.keys(FLAGS).sort()).toEqual(Object.keys(DEFAULTS).sort());
    expect(DEFAULTS).toEqual({ maxEntries: 20_000, maxArtifactSize: 104_857_600, maxFileSize: 16_777_216, maxDocumentSize: 3_145_728 });
  });

  test("sizes parse as people write them", () => {
    const cases: Array<[string, number | undefined]> = [
      ["3MiB", 3 * 1024 ** 2],
      ["3Mi", 3 * 1024 ** 2],
      ["512KiB", 512 * 1024],
      ["100M", 100e6],
      ["1.5GiB", 1.5 * 1024 ** 3],
      ["1048576", 1_048_576],
      [" 2 mib ", 2 * 1024 ** 2],
      ["3 MB", 3e6],
      ["-1", undefined],
      ["3XB", undefined],
      ["", undefined],
      ["MiB", undefined],
    ];
    for (const [text, want] of cases) expect([text, parseSize(text)]).toEqual([text, want]);
  });

  test("a formatted limit parses back to itself", () => {
    for (const n of [3 * 1024 ** 2, 16 * 1024 ** 2, 100 * 1024 ** 2, 512 * 1024, 1000]) expect(parseSize(formatSize(n).replace(/ bytes$/, "").replace(/,/g, "").replace(" ", ""))).toBe(n);
  });
});
