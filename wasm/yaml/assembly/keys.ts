/** Mapping keys: written once, typed (a plain key must resolve to a string, as kustomize demands) and checked for duplicates. */
import { out, keys, failWith, fallback } from "./state.ts";
import { writePlain, T_STR } from "./resolve.ts";
import { writeString } from "./json.ts";

/** Starts a mapping's key set; returns the mark to pass to closeKeys. */
export function openKeys(): i32 {
  return keys.len;
}

export function closeKeys(mark: i32): void {
  keys.len = mark;
}

function hash(p: usize, n: i32): i32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < n; i++) h = (h ^ <u32>load<u8>(p + <usize>i)) * 16777619;
  return <i32>h;
}

/**
 * Writes a key as a JSON string and records it. `plain` keys are typed first: a non-string key is an error
 * and the merge key `<<` falls back. `mark` is the mapping's openKeys mark.
 */
export function writeKey(p: usize, n: i32, plain: bool, at: usize, mark: i32): void {
  const start = out.len;
  if (plain) {
    if (n == 2 && load<u8>(p) == 60 && load<u8>(p + 1) == 60) { fallback(); return; }
    const t = writePlain(p, n);
    if (t != T_STR) {
      out.len = start;
      failWith("mapping key is not a string (quote it): ", at, p, n);
      return;
    }
  } else writeString(p, n);
  const len = out.len - start;
  const h = hash(out.ptr + <usize>start, len);
  // Compare against the keys of this mapping only (they sit above its mark on the key stack).
  for (let k = keys.len - 12; k >= mark; k -= 12) {
    const kp = keys.ptr + <usize>k;
    if (load<i32>(kp) == h && load<i32>(kp + 8) == len && memory.compare(out.ptr + <usize>load<i32>(kp + 4), out.ptr + <usize>start, <usize>len) == 0) {
      failWith("duplicate mapping key ", at, out.ptr + <usize>start, len);
      return;
    }
  }
  keys.i32(h);
  keys.i32(start);
  keys.i32(len);
}

