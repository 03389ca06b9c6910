/** Writes JSON string literals: the escaping is canonical, so equal strings give equal bytes (used for duplicate keys). */
import { out } from "./state.ts";

const HEX = "0123456789abcdef";

export function writeString(p: usize, n: i32): void {
  out.ensure(n + 2);
  let o = out.ptr + <usize>out.len;
  store<u8>(o++, 34);
  const e = p + <usize>n;
  for (let q = p; q < e; q++) {
    const c = <i32>load<u8>(q);
    if (c >= 32 && c != 34 && c != 92) {
      store<u8>(o++, <u8>c);
      continue;
    }
    // Escapes grow the text; make room for the worst case of the rest.
    out.len = <i32>(o - out.ptr);
    out.ensure(6 + <i32>(e - q) + 1);
    o = out.ptr + <usize>out.len;
    store<u8>(o++, 92);
    if (c == 34 || c == 92) store<u8>(o++, <u8>c);
    else if (c == 10) store<u8>(o++, 110);
    else if (c == 9) store<u8>(o++, 116);
    else if (c == 13) store<u8>(o++, 114);
    else {
      store<u8>(o++, 117);
      store<u8>(o++, 48);
      store<u8>(o++, 48);
      store<u8>(o++, <u8>HEX.charCodeAt(c >> 4));
      store<u8>(o++, <u8>HEX.charCodeAt(c & 15));
    }
  }
  store<u8>(o++, 34);
  out.len = <i32>(o - out.ptr);
}

export function writeU64(v: u64): void {
  out.ensure(21);
  let digits = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  let o = out.ptr + <usize>(out.len + digits);
  do {
    o--;
    store<u8>(o, <u8>(48 + <i32>(v % 10)));
    v /= 10;
  } while (v != 0);
  out.len += digits;
}
