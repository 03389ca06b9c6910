/**
 * Helm's `--set` family (pkg/strvals in Helm 4.2, read, not copied): `--set` with typed values, `--set-string`,
 * `--set-file` (the value names a file, read through a function the caller passes in), `--set-literal` (the
 * whole rest of the argument is one string), `--set-json` (each value one JSON document; numbers are
 * float64 there, as all values are in the engine). Syntax: `a.b=x` nests, `a[0].c=x` indexes lists (up to 65536), `a\.b=x`
 * escapes, commas separate assignments, `{x,y}` is a list, and `--set` types `true`/`false`/`null` (any
 * case) and base-10 integers that do not start with 0; everything else, floats included, stays a string.
 * value-options.ts applies them in `helm template`'s order on top of the `-f` files.
 * Errors carry Helm's own texts. One difference: integers beyond 2^53 stay strings, because a JS number
 * would change their digits.
 */
import type { Values } from "./chart.ts";
import { hasOwn, setOwn } from "./own.ts";
import { atoi, goTypeName, jsonEnd, q, quoteRunes, typedValue, type Result } from "./strvals-go.ts";

export const DEFAULTS = {
  /** Largest list index accepted, as Helm's MaxIndex. */
  maxIndex: 65536,
  /** Deepest `a.b.c` nesting accepted, as Helm's MaxNestedNameLevel. */
  maxNestedNameLevel: 30,
} as const;

const EOF = new Error("EOF");
const NOT_LIST = new Error("not a list");


function isEOF(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (e === EOF) return true;
  return false;
}

function wrap(message: string, cause: Error): Error {
  return new Error(`${message}: ${cause.message}`, { cause });
}

/** A Go runtime panic that Helm's parser recovers into an "unable to parse key" error. */
class Panic extends Error {}

function asList(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  throw new Panic(`interface conversion: interface {} is ${goTypeName(v)}, not []interface {}`);
}

function asMap(v: unknown): Values {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Values;
  throw new Panic(`interface conversion: interface {} is ${goTypeName(v)}, not map[string]interface {}`);
}

function set(data: Values, key: string, value: unknown): void {
  if (key !== "") setOwn(data, key, value);
}

function isEmpty(m: Values): boolean {
  for (const _ in m) return false;
  return true;
}

class Parser {
  readonly #runes: string[];
  #pos = 0;

  constructor(
    text: string,
    readonly data: Values,
    readonly reader: (text: string) => Result<unknown>,
    readonly literal: boolean,
    readonly json = false,
  ) {
    this.#runes = [...text];
  }

  parse(): Error | null {
    for (;;) {
      const err = this.key(this.data, 0);
      if (err === null) continue;
      return isEOF(err) ? null : err;
    }
  }

  #read(): string | undefined {
    return this.#runes[this.#pos++];
  }

  #unread(): void {
    this.#pos--;
  }

  /** Runes up to one of `stop` (consumed, returned as `last`); a backslash escapes the next rune, except in literal mode. */
  #until(stop: string): [string, string | undefined, Error | null] {
    let v = "";
    for (;;) {
      const r = this.#read();
      if (r === undefined) {
        this.#pos = this.#runes.length;
        return [v, undefined, EOF];
      }
      if (stop.includes(r)) return [v, r, null];
      if (r === "\\" && !this.literal) {
        const next = this.#read();
        if (next === undefined) {
          this.#pos = this.#runes.length;
          return [v, undefined, EOF];
        }
        v += next;
      } else {
        v += r;
      }
    }
  }

  #rest(): string {
    const v = this.#runes.slice(this.#pos).join("");
    this.#pos = this.#runes.length;
    return v;
  }

  key(data: Values, level: number): Error | null {
    try {
      return this.#key(data, level);
    } catch (e) {
      if (e instanceof Panic) return new Error(`unable to parse key: ${e.message}`);
      throw e;
    }
  }

  #key(data: Values, level: number): Error | null {
    const [k, last, err] = this.#until(this.literal ? "=[." : "=[,.");
    if (err) return k.length === 0 ? err : new Error(`key ${q(k)} has no value`);
    switch (last) {
      case "[": {
        const [i, ierr] = this.#keyIndex();
        if (ierr) return wrap("error parsing index", ierr);
        const [list, lerr] = this.#listItem(hasOwn(data, k) ? asList(data[k]) : [], i, level);
        set(data, k, list);
        return lerr;
      }
      case "=": {
        if (this.literal) {
          set(data, k, this.#rest());
          return null;
        }
        if (this.json) {
          const [v, jerr] = this.#jsonValue();
          if (jerr === null) set(data, k, v);
          return jerr;
        }
        const [vl, e] = this.#valList();
        if (e === null) {
          set(data, k, vl);
          return null;
        }
        if (isEOF(e)) {
          set(data, k, "");
          return e;
        }
        if (e !== NOT_LIST) return e;
        const [rs, verr] = this.#val();
        if (verr && !isEOF(verr)) return verr;
        const [v, rerr] = this.reader(rs);
        set(data, k, v);
        return rerr;
      }
      case ",":
        set(data, k, "");
        return new Error(`key ${q(k)} has no value (cannot end with ,)`);
      default: {
        level++;
        if (level > DEFAULTS.maxNestedNameLevel) {
          return new Error(`value name nested level is greater than maximum supported nested level of ${DEFAULTS.maxNestedNameLevel}`);
        }
        const inner = hasOwn(data, k) ? asMap(data[k]) : {};
        const e = this.key(inner, level);
        if (e === null && isEmpty(inner)) return new Error(`key map ${q(k)} has no value`);
        if (!isEmpty(inner)) set(data, k, inner);
        return e;
      }
    }
  }

  #keyIndex(): Result<number> {
    const [v, , err] = this.#until("]");
    if (err) return [0, err];
    return atoi(v);
  }

  #listItem(list: unknown[], i: number, level: number): Result<unknown[]> {
    if (i < 0) return [list, new Error(`negative ${i} index not allowed`)];
    const [k, last, err] = this.#until("[.=");
    if (k.length > 0) return [list, new Error(`unexpected data at end of array index: ${quoteRunes(k)}`)];
    if (err) return [list, err];
    switch (last) {
      case "=": {
        if (this.literal) return setIndex(list, i, this.#rest());
        if (this.json) {
          const [v, jerr] = this.#jsonValue();
          if (jerr) return [list, jerr];
          return setIndex(list, i, v);
        }
        const [vl, e] = this.#valList();
        if (e === null) return setIndex(list, i, vl);
        if (isEOF(e)) return setIndex(list, i, "");
        if (e !== NOT_LIST) return [list, e];
        const [rs, verr] = this.#val();
        if (verr && !isEOF(verr)) return [list, verr];
        const [v, rerr] = this.reader(rs);
        if (rerr) return [list, rerr];
        return setIndex(list, i, v);
      }
      case "[": {
        const [next, ierr] = this.#keyIndex();
        if (ierr) return [list, wrap("error parsing index", ierr)];
        const current = list.length > i && list[i] !== null && list[i] !== undefined ? asList(list[i]) : [];
        const [inner, lerr] = this.#listItem(current, next, level);
        if (lerr) return [list, lerr];
        return setIndex(list, i, inner);
      }
      default: {
        let inner: Values = {};
        if (list.length > i) {
          const existing = list[i];
          if (typeof existing === "object" && existing !== null && !Array.isArray(existing)) inner = existing as Values;
          // Indices given out of order: Helm starts the element afresh.
          else list[i] = inner;
        }
        const e = this.key(inner, level);
        if (e) return [list, e];
        return setIndex(list, i, inner);
      }
    }
  }

  /** Blanks up to a comma (consumed) or the end: true; false at anything else (left unread). */
  #emptyVal(): boolean {
    for (;;) {
      const r = this.#read();
      if (r === undefined) {
        this.#pos = this.#runes.length;
        return true;
      }
      if (r === ",") return true;
      if (!/^\s$/u.test(r)) {
        this.#unread();
        return false;
      }
    }
  }

  /** `--set-json`'s value: nothing is null, else one JSON document (as Go's json.Decoder reads the first), then blanks and a comma. */
  #jsonValue(): Result<unknown> {
    if (this.#emptyVal()) return [null, null];
    const rest = this.#runes.slice(this.#pos).join("");
    const end = jsonEnd(rest);
    if (end === undefined) return [null, new Error(`invalid JSON value: ${rest}`)];
    let v: unknown;
    try {
      v = JSON.parse(rest.slice(0, end));
    } catch (err) {
      return [null, new Error(`invalid JSON value: ${rest.slice(0, end)}`, { cause: err })];
    }
    this.#pos += [...rest.slice(0, end)].length;
    this.#emptyVal();
    return [v, null];
  }

  #val(): Result<string> {
    const [v, , err] = this.#until(",");
    return [v, err];
  }

  #valList(): Result<unknown[]> {
    const r = this.#read();
    if (r === undefined) {
      this.#pos = this.#runes.length;
      return [[], EOF];
    }
    if (r !== "{") {
      this.#unread();
      return [[], NOT_LIST];
    }
    const list: unknown[] = [];
    for (;;) {
      const [rs, last, err] = this.#until(",}");
      if (err) return [list, isEOF(err) ? new Error("list must terminate with '}'") : err];
      if (last === "}") {
        const after = this.#read();
        if (after !== undefined && after !== ",") this.#unread();
        else if (after === undefined) this.#pos = this.#runes.length;
        const [v, e] = this.reader(rs);
        list.push(v);
        return [list, e];
      }
      const [v, e] = this.reader(rs);
      if (e) return [list, e];
      list.push(v);
    }
  }
}

function setIndex(list: unknown[], index: number, value: unknown): Result<unknown[]> {
  if (index < 0) return [list, new Error(`negative ${index} index not allowed`)];
  if (index > DEFAULTS.maxIndex) return [list, new Error(`index of ${index} is greater than maximum supported index of ${DEFAULTS.maxIndex}`)];
  let out = list;
  if (out.length <= index) {
    out = [...list];
    while (out.length <= index) out.push(null);
  }
  out[index] = value;
  return [out, null];
}

function run(text: string, dest: Values, reader: (text: string) => Result<unknown>, literal = false, json = false): Values {
  const err = new Parser(text, dest, reader, literal, json).parse();
  if (err) throw err;
  return dest;
}

const typed = (s: string): Result<unknown> => [typedValue(s), null];
const asString = (s: string): Result<unknown> => [s, null];

/** `--set`: parses `text` into `dest` (which it returns), typing values. */
export function parseSet(text: string, dest: Values = {}): Values {
  return run(text, dest, typed);
}

/** `--set-string`: as parseSet, every value a string. */
export function parseSetString(text: string, dest: Values = {}): Values {
  return run(text, dest, asString);
}

/** `--set-file`: each value is a path, replaced by what `readFile` returns for it. */
export function parseSetFile(text: string, readFile: (path: string) => string, dest: Values = {}): Values {
  return run(text, dest, (path) => {
    try {
      return [readFile(path), null];
    } catch (err) {
      return [null, err instanceof Error ? err : new Error(String(err))];
    }
  });
}

/** `--set-json`: `a.b=<json>`, assignments separated by commas; an empty value is null. */
export function parseSetJson(text: string, dest: Values = {}): Values {
  return run(text, dest, typed, false, true);
}

/** `--set-literal`: one assignment; everything after the first `=` is the value, commas and backslashes too. */
export function parseSetLiteral(text: string, dest: Values = {}): Values {
  return run(text, dest, asString, true);
}
