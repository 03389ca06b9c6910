import { describe, expect, test } from "bun:test";
import { FLUSH, pktLine } from "./pkt-line.ts";
import { parseReportStatus } from "./receive-pack.ts";

const report = (...lines: string[]): Uint8Array => {
  const parts = [...lines.map((l) => pktLine(`${l}\n`)), FLUSH];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

describe("parseReportStatus", () => {
  test("reads ok and ng lines with the server's reason", () => {
    expect(parseReportStatus(report("unpack ok", "ok refs/heads/main", "ng refs/heads/auto fetch first", "ng refs/heads/x"))).toEqual([
      { ref: "refs/heads/main", ok: true },
      { ref: "refs/heads/auto", ok: false, reason: "fetch first" },
      { ref: "refs/heads/x", ok: false, reason: "" },
    ]);
  });

  test("skips report-status-v2 option lines", () => {
    expect(parseReportStatus(report("unpack ok", "ok refs/heads/main", "option refname refs/heads/main"))).toEqual([{ ref: "refs/heads/main", ok: true }]);
  });

  const refused: Array<[string, Uint8Array, string]> = [
    ["an unpack failure", report("unpack index-pack abnormal exit", "ng refs/heads/main unpacker error"), "the server could not unpack the pack (index-pack abnormal exit)"],
    ["an answer without report-status", report("ok refs/heads/main"), 'the answer has no report-status ("ok refs/heads/main")'],
    ["an empty answer", new Uint8Array(0), 'the answer has no report-status ("")'],
    ["an unknown line", report("unpack ok", "maybe refs/heads/main"), 'unexpected report-status line "maybe refs/heads/main"'],
  ];
  for (const [what, data, message] of refused) {
    test(`refuses ${what}`, () => {
      expect(() => parseReportStatus(data)).toThrow(message);
    });
  }
});
