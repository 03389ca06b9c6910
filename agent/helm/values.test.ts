// Cases restate Helm 4.2's documented rules and the behaviours its coalesce_test.go and
// dependencies_test.go pin, in our own charts and words.
import { describe, expect, test } from "bun:test";
import type { Chart, ChartDependency, Values } from "./chart.ts";
import { loadValues } from "./values-yaml.ts";
import { chartValues, coalesceTables, coalesceValues, isCompatibleRange, processDependencies, valueAt } from "./values.ts";

function chart(name: string, values: Values, subs: Chart[] = [], deps?: ChartDependency[]): Chart {
  return {
    metadata: { apiVersion: "v2", name, version: "1.0.0", ...(deps ? { dependencies: deps } : {}) },
    templates: [],
    crds: [],
    values,
    files: [],
    dependencies: subs,
  };
}

describe("coalesceValues", () => {
  const cases: Array<[string, Values, Values | null, Values]> = [
    ["user scalars win over defaults", { a: 1, b: "x" }, { a: 2 }, { a: 2, b: "x" }],
    ["maps merge key by key", { m: { a: 1, b: 2 } }, { m: { b: 3, c: 4 } }, { m: { a: 1, b: 3, c: 4 } }],
    ["lists replace, never merge", { l: [1, 2, 3] }, { l: [9] }, { l: [9] }],
    ["null deletes a top-level default", { a: 1, b: 2 }, { a: null }, { b: 2 }],
    ["null deletes a nested default", { m: { a: 1, b: 2 } }, { m: { a: null } }, { m: { b: 2 } }],
    ["a null with no default behind it stays", { m: { a: 1 } }, { m: { z: null } }, { m: { a: 1, z: null } }],
    ["the top chart's own null defaults stay", { a: null, b: 1 }, null, { a: null, b: 1 }],
    ["a scalar does not replace a default table", { m: { a: 1 } }, { m: "x" }, { m: "x" }],
    ["a table does not replace a default scalar", { s: "x" }, { s: { a: 1 } }, { s: { a: 1 } }],
    ["no user values give the defaults", { a: { b: [1] } }, null, { a: { b: [1] } }],
  ];
  for (const [name, defaults, user, want] of cases) {
    test(name, () => {
      expect(coalesceValues(chart("top", defaults), user)).toEqual(want);
    });
  }

  test("keys named like Object's own members are plain keys", () => {
    const defaults = loadValues("__proto__: {a: 1}\nconstructor: x\nhasOwnProperty: {b: 1}\n", "values.yaml");
    const user = loadValues("__proto__: {c: 2}\ntoString: s\n", "user.yaml");
    const v = coalesceValues(chart("top", defaults), user);
    expect(JSON.stringify(v)).toBe('{"__proto__":{"c":2,"a":1},"toString":"s","constructor":"x","hasOwnProperty":{"b":1}}');
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  test("leaves the chart's defaults and the user's values unchanged", () => {
    const defaults = { m: { a: 1 } };
    const user = { m: { b: 2 } };
    coalesceValues(chart("top", defaults), user);
    expect(defaults).toEqual({ m: { a: 1 } });
    expect(user).toEqual({ m: { b: 2 } });
  });

  test("warns when a table meets a scalar", () => {
    const warnings: string[] = [];
    coalesceTables({ m: { a: 1 } }, { m: "x" }, "", false, (w) => warnings.push(w));
    expect(warnings).toEqual(["warning: destination for m is a table. Ignoring non-table value (x)"]);
  });
});

describe("subchart scoping and globals", () => {
  const sub = chart("sub", { x: 1, y: 1, dropped: null, global: { own: "s", shared: "s" } });
  const top = chart("top", { sub: { y: 2 }, global: { shared: "t", top: "t" } }, [sub]);

  test("a subchart sees the parent's .<name> over its own values.yaml", () => {
    const v = coalesceValues(top, { sub: { x: 3 } });
    expect(v.sub).toMatchObject({ x: 3, y: 2 });
  });

  test("globals are copied down, the parent winning, the subchart's own kept", () => {
    const v = coalesceValues(top, { global: { user: "u" } });
    expect((v.sub as Values).global).toEqual({ own: "s", shared: "t", top: "t", user: "u" });
    expect(v.global).toEqual({ shared: "t", top: "t", user: "u" });
  });

  test("a subchart's own null defaults are dropped (Helm 4)", () => {
    expect("dropped" in (coalesceValues(top, null).sub as Values)).toBe(false);
  });

  test("null given for a subchart default deletes it (Helm 4)", () => {
    expect(coalesceValues(top, { sub: { x: null } }).sub).not.toHaveProperty("x");
  });

  test("a subchart key that is not a table is an error", () => {
    expect(() => coalesceValues(top, { sub: "nope" })).toThrow("type mismatch on sub: %!t(string=nope)");
  });

  test("globals reach a sub-subchart through every level", () => {
    const leaf = chart("leaf", { v: 1 });
    const mid = chart("mid", {}, [leaf]);
    const v = coalesceValues(chart("root", { global: { g: 1 } }, [mid]), null);
    expect(((v.mid as Values).leaf as Values).global).toEqual({ g: 1 });
  });
});

describe("conditions and tags", () => {
  const subs = () => [chart("a", { on: true }), chart("b", {}), chart("c", {})];
  const deps = (): ChartDependency[] => [
    { name: "a", version: "1.0.0", condition: "a.enabled,global.a" },
    { name: "b", version: "^1", tags: ["front", "back"] },
    { name: "c", version: "~1.0", tags: ["back"], condition: "c.enabled" },
  ];
  const enabled = (user: Values, defaults: Values = {}) =>
    processDependencies(chart("top", defaults, subs(), deps()), user).dependencies.map((c) => c.metadata.name);

  const cases: Array<[string, Values, string[]]> = [
    ["everything is enabled by default", {}, ["a", "b", "c"]],
    ["a false condition disables", { a: { enabled: false } }, ["b", "c"]],
    ["the first path that holds a bool wins", { a: { enabled: "no" }, global: { a: false } }, ["b", "c"]],
    ["a later path is not read when an earlier one is a bool", { a: { enabled: true }, global: { a: false } }, ["a", "b", "c"]],
    ["any true tag enables", { tags: { front: false, back: true } }, ["a", "b", "c"]],
    ["all false tags disable", { tags: { front: false, back: false } }, ["a"]],
    ["a condition overrides tags", { tags: { back: false }, c: { enabled: true } }, ["a", "c"]],
    ["non-bool tags are ignored", { tags: { back: "false" } }, ["a", "b", "c"]],
  ];
  for (const [name, user, want] of cases) test(name, () => expect(enabled(user)).toEqual(want));

  test("conditions read the chart's defaults as well as the user's values", () => {
    expect(enabled({}, { a: { enabled: false } })).toEqual(["b", "c"]);
  });

  test("disabled subcharts leave Chart.yaml's dependency list too", () => {
    const out = processDependencies(chart("top", {}, subs(), deps()), { a: { enabled: false } });
    expect(out.metadata.dependencies!.map((d) => d.name)).toEqual(["b", "c"]);
  });

  test("a sub-subchart's condition is read below its parent's key", () => {
    const mid = chart("mid", {}, [chart("leaf", {})], [{ name: "leaf", version: "1.0.0", condition: "leaf.enabled" }]);
    const top = chart("top", {}, [mid], [{ name: "mid", version: "1.0.0" }]);
    const on = processDependencies(top, {}).dependencies[0]!.dependencies.map((c) => c.metadata.name);
    const off = processDependencies(top, { mid: { leaf: { enabled: false } } }).dependencies[0]!.dependencies;
    expect([on, off.length]).toEqual([["leaf"], 0]);
  });

  test("processing leaves the input chart untouched", () => {
    const input = chart("top", {}, subs(), deps());
    processDependencies(input, { a: { enabled: false } });
    expect([input.dependencies.length, input.metadata.dependencies!.length]).toEqual([3, 3]);
  });
});

describe("aliases", () => {
  test("one chart under two aliases gets two scopes", () => {
    const db = chart("db", { size: 1 });
    const top = chart("top", {}, [db], [
      { name: "db", version: "1.x", alias: "main" },
      { name: "db", version: "1.x", alias: "cache", condition: "cache.enabled" },
    ]);
    const { chart: out, values } = chartValues(top, { main: { size: 5 } });
    expect(out.dependencies.map((c) => c.metadata.name)).toEqual(["main", "cache"]);
    expect([(values.main as Values).size, (values.cache as Values).size]).toEqual([5, 1]);
    expect(chartValues(top, { cache: { enabled: false } }).chart.dependencies.map((c) => c.metadata.name)).toEqual(["main"]);
  });

  test("a version the subchart does not satisfy leaves the subchart under its own name", () => {
    const top = chart("top", {}, [chart("db", {})], [{ name: "db", version: "2.x", alias: "main" }]);
    expect(processDependencies(top, {}).dependencies.map((c) => c.metadata.name)).toEqual(["db"]);
  });
});

describe("import-values", () => {
  const child = () => chart("child", { exports: { data: { port: 80, host: "c" } }, deep: { a: { b: 1 } } });

  test("a string imports exports.<name> to the parent's top level", () => {
    const top = chart("top", { host: "parent" }, [child()], [{ name: "child", version: "1.0.0", "import-values": ["data"] }]);
    const { values, chart: out } = chartValues(top, null);
    expect([values.port, values.host]).toEqual([80, "parent"]);
    expect(out.metadata.dependencies![0]!["import-values"]).toEqual([{ child: "exports.data", parent: "." }]);
  });

  test("{child, parent} copies a table to a path in the parent", () => {
    const top = chart("top", { imported: { b: 9 } }, [child()], [
      { name: "child", version: "1.0.0", "import-values": [{ child: "deep.a", parent: "imported" }] },
    ]);
    expect(chartValues(top, null).values.imported).toEqual({ b: 9 });
    const top2 = chart("top", {}, [child()], [{ name: "child", version: "1.0.0", "import-values": [{ child: "deep", parent: "x.y" }] }]);
    expect(chartValues(top2, null).values.x).toEqual({ y: { a: { b: 1 } } });
  });

  test("user values still win over imported ones", () => {
    const top = chart("top", {}, [child()], [{ name: "child", version: "1.0.0", "import-values": ["data"] }]);
    expect(chartValues(top, { port: 8080 }).values.port).toBe(8080);
  });

  test("a missing child table is skipped with a warning", () => {
    const warnings: string[] = [];
    const top = chart("top", {}, [child()], [{ name: "child", version: "1.0.0", "import-values": ["nope"] }]);
    chartValues(top, null, (w) => warnings.push(w));
    expect(warnings).toEqual(["top: import-values: no table child.exports.nope in dependency child"]);
  });
});

describe("helpers", () => {
  test.each([
    ["a.b", { a: { b: true } }, true],
    ["a", { a: { b: true } }, undefined],
    ["a.c", { a: { b: true } }, undefined],
    ["x.y", { x: 1 }, undefined],
  ] as Array<[string, Values, unknown]>)("valueAt %s", (path, values, want) => {
    expect(valueAt(values, path)).toBe(want);
  });

  // Each row: a constraint and whether Masterminds semver (Helm's) accepts each version below, as printed
  // by Debian's github.com/Masterminds/semver 3.2.0 on this machine (Helm 4.2.1 pins 3.5.0). One row
  // differs in 3.5.0: since 3.3 every comparison, `!=` too, skips prereleases unless its group names one.
  const versions = ["1.0.0", "1.0.0-rc.1", "1.2.9", "1.3.0", "2.0.0", "0.1.0", "0.1.5", "v1.2", "1"];
  const masterminds: Array<[string, string]> = [
    ["", "000000000"],
    ["*", "101111111"],
    ["1.x", "101100011"],
    ["^1.2.0", "001100010"],
    [">=1.0.0, <2.0.0", "101100011"],
    ["~1.2", "001000010"],
    [">= 1.0 < 2.0", "101100011"],
    ["1.2.3 || 2.x", "000010000"],
    ["0.1.0", "000001000"],
    ["~0.1", "000001100"],
    ["^0.1.0", "000001100"],
    [">1.0.0-0", "111110011"],
    ["1.0.0 - 1.5.0", "101100011"],
    ["x", "101111111"],
    ["=1.0.0", "100000001"],
    ["!=1.0.0", "001111110"],
    [">=1.0.0-rc.0", "111110011"],
  ];
  for (const [constraint, bits] of masterminds) {
    test(`constraint ${JSON.stringify(constraint)} accepts what Masterminds accepts`, () => {
      expect(versions.map((v) => (isCompatibleRange(constraint, v) ? "1" : "0")).join("")).toBe(bits);
    });
  }
});

// The shape of Helm's TestCoalesceValues (a chart, a subchart with a sub-subchart, a second subchart, and
// user values that null some defaults and set globals at two levels), with our own names and values.
describe("coalescing through three levels, as Helm's own coalesce test checks it", () => {
  const user = loadValues(
    `
top: user
bottom: null
right: Null
left: NULL
front: ~
back: ""
nested:
  flag: null
global:
  name: g-user
  subject: s-user
  nested:
    flag: true
mid:
  flag: null
  global:
    name: g-mid-user
    helper: h-mid-user
    nested:
      flag: false
      sail: true
      foo2: null
  leaf:
    scope: leaf-user
    flag: null
    nested:
      foo: true
      flag: null
    object: null
`,
    "user.yaml",
  );
  const leaf = chart("leaf", {
    global: { nested: { foo: "bar", foo2: "bar2" }, nested2: { l2: "leaf" } },
    scope: "leaf",
    name: "leaf",
    flag: true,
    nested: { foo: false, flag: true },
    object: { foo: "bar" },
  });
  const mid = chart("mid", { name: "mid", scope: "mid", global: { nested2: { l1: "mid" } }, flag: false, leaf: { flag: false, nested: { flag: false } } }, [leaf]);
  const side = chart("side", { scope: "side", global: { nested2: { l1: "side" } } });
  const top = chart(
    "top",
    {
      back: "exists", bottom: "exists", front: "exists", left: "exists", right: "exists",
      name: "top", nested: { flag: true }, override: "bad", scope: "top", top: "nope",
      global: { nested2: { l0: "top" } },
      mid: { flag: "maybe", leaf: { flag: "maybe", nested: { flag: "maybe" } } },
    },
    [mid, side],
  );
  const before = JSON.stringify(user);
  const v = coalesceValues(top, user);
  const at = (path: string): unknown => path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Values)[k] : undefined), v);

  const expectations: Array<[string, unknown]> = [
    ["top", "user"],
    ["back", ""],
    ["name", "top"],
    ["global.name", "g-user"],
    ["global.subject", "s-user"],
    ["global.helper", undefined],
    ["mid.name", "mid"],
    ["mid.leaf.name", "leaf"],
    ["mid.leaf.scope", "leaf-user"],
    ["mid.leaf.nested.foo", true],
    ["mid.leaf.global.name", "g-user"],
    ["mid.leaf.global.nested.foo", "bar"],
    ["mid.leaf.global.nested.foo2", undefined],
    ["mid.leaf.global.subject", "s-user"],
    ["mid.leaf.global.helper", "h-mid-user"],
    ["mid.global.name", "g-user"],
    ["mid.global.nested.foo", undefined],
    ["mid.global.subject", "s-user"],
    ["side.global.name", "g-user"],
    ["side.global.helper", undefined],
    ["global.nested.flag", true],
    ["mid.global.nested.flag", true],
    ["side.global.nested.flag", true],
    ["mid.global.nested.sail", true],
    ["side.global.nested.sail", undefined],
    ["global.nested2.l0", "top"],
    ["global.nested2.l1", undefined],
    ["global.nested2.l2", undefined],
    ["mid.global.nested2.l0", "top"],
    ["mid.global.nested2.l1", "mid"],
    ["mid.global.nested2.l2", undefined],
    ["mid.leaf.global.nested2.l0", "top"],
    ["mid.leaf.global.nested2.l1", "mid"],
    ["mid.leaf.global.nested2.l2", "leaf"],
    ["side.global.nested2.l0", "top"],
    ["side.global.nested2.l1", "side"],
    ["side.global.nested2.l2", undefined],
  ];
  for (const [path, want] of expectations) test(`${path} is ${JSON.stringify(want) ?? "absent"}`, () => expect(at(path)).toEqual(want));

  test("nulls given by the user remove the defaults at every level", () => {
    for (const key of ["bottom", "right", "left", "front"]) expect(key in v).toBe(false);
    expect("flag" in (at("nested") as Values)).toBe(false);
    expect("flag" in (at("mid") as Values)).toBe(false);
    expect("flag" in (at("mid.leaf") as Values)).toBe(false);
    expect("flag" in (at("mid.leaf.nested") as Values)).toBe(false);
    expect("object" in (at("mid.leaf") as Values)).toBe(false);
  });

  test("the user's values are not changed", () => expect(JSON.stringify(user)).toBe(before));
});
