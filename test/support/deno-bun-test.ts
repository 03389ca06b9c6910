/**
 * Runs `bun:test` files under Deno: deno.json maps the `bun:test` specifier here. Supports the subset the
 * portable unit tests use: test/it (with .skip, .todo, .if, .skipIf, .each), describe (nested, with
 * .skip), beforeAll/afterAll/beforeEach/afterEach inside describe blocks or at file scope (file-scope
 * afterAll runs after the file's last test), and Jest's `expect`, which bun:test mirrors
 * (plus bun's `toStartWith` and `toEndWith`).
 */
import { expect } from "expect";

// bun:test's string matchers that Jest's expect lacks.
expect.extend({
  toStartWith(received: unknown, prefix: string) {
    const pass = typeof received === "string" && received.startsWith(prefix);
    return { pass, message: () => `expected ${JSON.stringify(received)} ${pass ? "not " : ""}to start with ${JSON.stringify(prefix)}` };
  },
  toEndWith(received: unknown, suffix: string) {
    const pass = typeof received === "string" && received.endsWith(suffix);
    return { pass, message: () => `expected ${JSON.stringify(received)} ${pass ? "not " : ""}to end with ${JSON.stringify(suffix)}` };
  },
});

export { expect };

type Fn = () => unknown | Promise<unknown>;
interface Suite {
  name: string;
  parent?: Suite;
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
  tests: Array<{ name: string; fn: Fn; skip: boolean; timeout?: number } | Suite>;
  skip: boolean;
}

const newSuite = (name: string, parent?: Suite, skip = false): Suite => ({
  name, parent, beforeAll: [], afterAll: [], beforeEach: [], afterEach: [], tests: [], skip,
});

const root = newSuite("");
let current = root;
let scheduled = false;

// Registration with Deno.test has to happen while the module evaluates; a microtask after the file's
// top level has run is still inside evaluation, so the whole tree is known by then.
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => register(root, []));
}

function isSuite(x: Suite["tests"][number]): x is Suite {
  return "tests" in x;
}

function flatten(suite: Suite): Array<{ name: string; fn: Fn; skip: boolean; chain: Suite[] }> {
  const out: Array<{ name: string; fn: Fn; skip: boolean; chain: Suite[] }> = [];
  const walk = (s: Suite, chain: Suite[], names: string[], skipped: boolean) => {
    for (const t of s.tests) {
      if (isSuite(t)) walk(t, [...chain, t], [...names, t.name], skipped || t.skip);
      else out.push({ name: [...names, t.name].join(" > "), fn: t.fn, skip: skipped || t.skip, chain });
    }
  };
  walk(suite, [suite], [], suite.skip);
  return out;
}

function register(suite: Suite, _path: string[]): void {
  const all = flatten(suite);
  const started = new Set<Suite>();
  const remaining = new Map<Suite, number>();
  for (const t of all) for (const s of t.chain) remaining.set(s, (remaining.get(s) ?? 0) + 1);
  for (const t of all) {
    // deno-lint-ignore no-explicit-any
    const D = (globalThis as any).Deno;
    D.test({
      name: t.name,
      ignore: t.skip,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => {
        try {
          for (const s of t.chain) {
            if (!started.has(s)) {
              started.add(s);
              for (const h of s.beforeAll) await h();
            }
          }
          for (const s of t.chain) for (const h of s.beforeEach) await h();
          try {
            await t.fn();
          } finally {
            for (const s of [...t.chain].reverse()) for (const h of s.afterEach) await h();
          }
        } finally {
          for (const s of [...t.chain].reverse()) {
            const left = (remaining.get(s) ?? 1) - 1;
            remaining.set(s, left);
            if (left === 0) for (const h of s.afterAll) await h();
          }
        }
      },
    });
  }
}

function addTest(name: string, fn: Fn | undefined, skip: boolean): void {
  schedule();
  current.tests.push({ name, fn: fn ?? (() => {}), skip: skip || fn === undefined });
}

type TestFn = {
  (name: string, fn: Fn, timeout?: number | object): void;
  skip: (name: string, fn?: Fn) => void;
  todo: (name: string, fn?: Fn) => void;
  if: (cond: boolean) => (name: string, fn: Fn, timeout?: number | object) => void;
  skipIf: (cond: boolean) => (name: string, fn: Fn, timeout?: number | object) => void;
  each: <T>(table: readonly T[]) => (name: string, fn: (...args: never[]) => unknown) => void;
};

function format(name: string, row: unknown, i: number): string {
  const args = Array.isArray(row) ? row : [row];
  let k = 0;
  return name.replace(/%[sdpi#%]/g, (m) => {
    if (m === "%%") return "%";
    if (m === "%#") return String(i);
    const v = args[k++];
    return m === "%p" ? JSON.stringify(v) : String(v);
  });
}

const makeTest = (): TestFn => {
  const t = ((name: string, fn: Fn) => addTest(name, fn, false)) as TestFn;
  t.skip = (name, fn) => addTest(name, fn, true);
  t.todo = (name, fn) => addTest(name, fn, true);
  t.if = (cond) => (name, fn) => addTest(name, fn, !cond);
  t.skipIf = (cond) => (name, fn) => addTest(name, fn, cond);
  t.each = (table) => (name, fn) => {
    table.forEach((row, i) => {
      const args = Array.isArray(row) ? row : [row];
      addTest(format(name, row, i), () => (fn as (...a: unknown[]) => unknown)(...args), false);
    });
  };
  return t;
};

export const test = makeTest();
export const it = test;

type DescribeFn = {
  (name: string, body: () => void): void;
  skip: (name: string, body: () => void) => void;
  if: (cond: boolean) => (name: string, body: () => void) => void;
  skipIf: (cond: boolean) => (name: string, body: () => void) => void;
};

function addSuite(name: string, body: () => void, skip: boolean): void {
  schedule();
  const suite = newSuite(name, current, skip);
  current.tests.push(suite);
  const parent = current;
  current = suite;
  try {
    body();
  } finally {
    current = parent;
  }
}

export const describe = ((name: string, body: () => void) => addSuite(name, body, false)) as DescribeFn;
describe.skip = (name, body) => addSuite(name, body, true);
describe.if = (cond) => (name, body) => addSuite(name, body, !cond);
describe.skipIf = (cond) => (name, body) => addSuite(name, body, cond);

export const beforeAll = (fn: Fn): void => void current.beforeAll.push(fn);
export const afterAll = (fn: Fn): void => void current.afterAll.push(fn);
export const beforeEach = (fn: Fn): void => void current.beforeEach.push(fn);
export const afterEach = (fn: Fn): void => void current.afterEach.push(fn);
