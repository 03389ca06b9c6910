import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyDelta } from "./git-delta.ts";
import { parseCommit, parseTag, parseTree } from "./git-object.ts";
import { DELIM, FLUSH, pktLine, PktSplitter, pktText, readPkts, sidebandData } from "./pkt-line.ts";


const enc = new TextEncoder();

describe("git objects", () => {
  test("parses a tree as git writes it (modes, names, ids)", () => {
    const dir = mkdtempSync(join(tmpdir(), "rivulet-obj-"));
    try {
      const run = (args: string[]) => spawnSync("git", args, { cwd: dir, encoding: "buffer", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" } }).stdout;
      run(["init", "-q"]);
      writeFileSync(join(dir, "a b.txt"), "x");
      writeFileSync(join(dir, "run.sh"), "y", { mode: 0o755 });
      run(["add", "-A"]);
      const treeId = run(["write-tree"]).toString().trim();
      const raw = new Uint8Array(run(["cat-file", "tree", treeId]));
      const listed = run(["ls-tree", treeId]).toString().trim().split("\n").map((l) => {
        const [meta, name] = l.split("\t") as [string, string];
        const [mode, , id] = meta.split(" ");
        return { mode: Number.parseInt(mode!, 8), name, id: id! };
      });
      expect(parseTree(raw)).toEqual(listed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a commit's signed payload is the commit without its gpgsig header", () => {
    const unsigned = "tree " + "a".repeat(40) + "\nparent " + "b".repeat(40) + "\nauthor A U <a@x> 1700000000 +0200\ncommitter C <c@x> 1700000001 -0100\n\nmsg\n";
    const signed = unsigned.replace("\n\nmsg", "\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n sigdata\n -----END PGP SIGNATURE-----\n\nmsg");
    const c = parseCommit(enc.encode(signed));
    expect(new TextDecoder().decode(c.payload)).toBe(unsigned);
    expect(c.signature).toBe("-----BEGIN PGP SIGNATURE-----\n\nsigdata\n-----END PGP SIGNATURE-----");
    expect(c.parents).toEqual(["b".repeat(40)]);
    expect(c.author).toEqual({ name: "A U", email: "a@x", when: 1700000000, zone: "+0200" });
    expect(c.message).toBe("msg\n");
  });

  test("a tag's signed payload ends where its signature starts", () => {
    const payload = `object ${"a".repeat(40)}\ntype commit\ntag v1\ntagger T <t@x> 1 +0000\n\nrelease\n`;
    const t = parseTag(enc.encode(`${payload}-----BEGIN PGP SIGNATURE-----\n\nxx\n-----END PGP SIGNATURE-----\n`));
    expect(new TextDecoder().decode(t.payload)).toBe(payload);
    expect(t.tag).toBe("v1");
    expect(t.message).toBe("release\n");
    expect(t.signature).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
  });

  test.each([
    ["a tree entry without id bytes", () => parseTree(enc.encode("100644 a\0abc")), /truncated entry/],
    ["a non-octal mode", () => parseTree(enc.encode(`10064x a\0${"x".repeat(20)}`)), /not octal/],
    ["a commit without a tree", () => parseCommit(enc.encode("author x\n\nm")), /missing tree/],
  ])("rejects %s", (_, fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe("git delta", () => {
  test("copies and inserts", () => {
    const base = enc.encode("hello world");
    // base 11, result 11: copy "hello " (off 0, len 6), insert "there"
    const delta = Uint8Array.from([11, 11, 0x90, 6, 5, ...enc.encode("there")]);
    expect(new TextDecoder().decode(applyDelta(base, delta))).toBe("hello there");
  });

  test.each([
    ["a wrong base size", [12, 1, 1, 65], /base is 11 bytes, the delta expects 12/],
    ["a copy past the base", [11, 5, 0x91, 10, 5], /past the end of the base/],
    ["a result longer than declared", [11, 1, 2, 65, 66], /exceeds its declared size/],
    ["a result shorter than declared", [11, 3, 1, 65], /result is 1 bytes, expected 3/],
    ["the reserved instruction", [11, 1, 0], /reserved instruction 0/],
    // Found by the property below: a forged result size of 4.5 GB must not be allocated.
    ["a result size its instructions cannot produce", [11, 128, 128, 128, 128, 17], /declared result of 4563402752 bytes is more than its 0 bytes of instructions can produce/],
    ["a result size past 64 KiB per instruction byte", [11, 0x81, 0x80, 0x08, 0x90], /declared result of 131073 bytes is more than its 1 bytes/],
  ])("rejects %s", (_, bytes, message) => {
    expect(() => applyDelta(enc.encode("hello world"), Uint8Array.from(bytes))).toThrow(message);
  });

  test("never reads out of bounds on random deltas", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (base, delta) => {
        try {
          applyDelta(base, delta);
        } catch (e) {
          expect((e as Error).message).toMatch(/^Cannot apply the git delta: /);
        }
      }),
    );
  });
});

describe("pkt-line", () => {
  test("round-trips data, flush and delim packets", () => {
    const buf = new Uint8Array([...pktLine("command=ls-refs\n"), ...DELIM, ...pktLine("peel\n"), ...FLUSH]);
    const pkts = [...readPkts(buf)];
    expect(pkts.map((p) => (p.type === "data" ? pktText(p.data) : p.type))).toEqual(["command=ls-refs", "delim", "peel", "flush"]);
  });

  test("demultiplexes band 1, drops progress, raises band 3", () => {
    const data = [...pktLine(Uint8Array.from([1, 80, 65])), ...pktLine(Uint8Array.from([2, 46])), ...pktLine(Uint8Array.from([1, 67, 75])), ...FLUSH];
    const band1 = [...readPkts(Uint8Array.from(data))].flatMap((p) => (p.type === "data" ? [...(sidebandData(p.data) ?? [])] : []));
    expect(band1).toEqual([80, 65, 67, 75]);
    expect(() => sidebandData(Uint8Array.from([3, ...enc.encode("boom\n")]))).toThrow('the server reported "boom"');
    expect(() => sidebandData(Uint8Array.from([4, 1]))).toThrow("unknown sideband 4");
  });

  test("splits a body that arrives in chunks cut anywhere into the lines readPkts finds in it whole", () => {
    const body = Uint8Array.from([...pktLine("packfile\n"), ...DELIM, ...pktLine(new Uint8Array(300).fill(7)), ...pktLine(""), ...FLUSH, ...pktLine("x\n")]);
    const shown = (p: ReturnType<typeof readPkts> extends Iterable<infer P> ? P : never) => (p.type === "data" ? [...p.data].join(",") : p.type);
    const whole = [...readPkts(body)].map(shown);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: body.length - 1 }), { maxLength: 12 }), (raw) => {
        const cuts = [...new Set(raw)].sort((a, b) => a - b).concat(body.length);
        const split = new PktSplitter();
        const got: string[] = [];
        let at = 0;
        for (const c of cuts) {
          got.push(...split.push(body.subarray(at, c)).map(shown));
          at = c;
        }
        split.end();
        expect(got).toEqual(whole);
      }),
      { numRuns: 300 },
    );
    const cut = new PktSplitter();
    cut.push(body.subarray(0, 7));
    expect(() => cut.end()).toThrow("Cannot read the git response: truncated pkt-line");
  });

  test("rejects malformed framing", () => {
    expect(() => [...readPkts(enc.encode("00zz"))]).toThrow(/invalid pkt-line header/);
    expect(() => [...readPkts(enc.encode("0010abc"))]).toThrow(/truncated pkt-line/);
    expect(() => [...readPkts(enc.encode("0003"))]).toThrow(/invalid pkt-line length 3/);
  });
});
