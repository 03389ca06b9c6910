/**
 * go-yaml v3 timestamps: a plain scalar matching one of its four layouts (Go `time.Parse` rules) becomes a
 * time, which kustomize writes as an RFC 3339 string. Layouts: `2006-1-2T15:4:5.999999999Z07:00`, the same
 * with a lower-case `t`, `2006-1-2 15:4:5.999999999` (UTC) and `2006-1-2`. Month, day, hour, minute and
 * second take one or two digits; a fraction (`.` or `,`) may follow the seconds; the zone is `Z` or `±hh:mm`.
 */
import { out } from "./state.ts";

function digit(p: usize): i32 {
  const c = <i32>load<u8>(p);
  return c >= 48 && c <= 57 ? c - 48 : -1;
}

function daysIn(m: i32, y: i32): i32 {
  if (m == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
  return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
}

/** Go's getnum: one digit, or two when a second digit follows. Returns -1 when no digit. */
let numEnd: usize = 0;
function num12(p: usize, e: usize): i32 {
  if (p >= e) return -1;
  const a = digit(p);
  if (a < 0) return -1;
  if (p + 1 < e) {
    const b = digit(p + 1);
    if (b >= 0) {
      numEnd = p + 2;
      return a * 10 + b;
    }
  }
  numEnd = p + 1;
  return a;
}

function put2(v: i32): void {
  out.byte(48 + v / 10);
  out.byte(48 + v % 10);
}

/** Writes the timestamp as a JSON string and returns true, or returns false (and writes nothing). */
export function writeTimestamp(p: usize, n: i32): bool {
  const e = p + <usize>n;
  if (n < 8) return false;
  for (let i = 0; i < 4; i++) if (digit(p + <usize>i) < 0) return false;
  if (load<u8>(p + 4) != 45) return false;
  const year = digit(p) * 1000 + digit(p + 1) * 100 + digit(p + 2) * 10 + digit(p + 3);
  const month = num12(p + 5, e);
  if (month < 0) return false;
  let q = numEnd;
  if (q >= e || load<u8>(q) != 45) return false;
  const day = num12(q + 1, e);
  if (day < 0) return false;
  q = numEnd;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year)) return false;
  let hour = 0, min = 0, sec = 0;
  let fracStart: usize = 0, fracEnd: usize = 0;
  let zoned = false, zsign = 0, zh = 0, zm = 0;
  if (q < e) {
    const sep = <i32>load<u8>(q);
    if (sep != 84 && sep != 116 && sep != 32) return false;
    hour = num12(q + 1, e);
    if (hour < 0) return false;
    q = numEnd;
    if (q >= e || load<u8>(q) != 58) return false;
    min = num12(q + 1, e);
    if (min < 0) return false;
    q = numEnd;
    if (q >= e || load<u8>(q) != 58) return false;
    sec = num12(q + 1, e);
    if (sec < 0) return false;
    q = numEnd;
    if (q + 1 < e && (load<u8>(q) == 46 || load<u8>(q) == 44) && digit(q + 1) >= 0) {
      fracStart = q + 1;
      q++;
      while (q < e && digit(q) >= 0) q++;
      fracEnd = q;
    }
    if (sep != 32) {
      // The T and t layouts require a zone.
      if (q >= e) return false;
      if (load<u8>(q) == 90) {
        zoned = true;
        q++;
      } else {
        if (e - q < 6) return false;
        const s = <i32>load<u8>(q);
        if (s != 43 && s != 45) return false;
        if (digit(q + 1) < 0 || digit(q + 2) < 0 || load<u8>(q + 3) != 58 || digit(q + 4) < 0 || digit(q + 5) < 0) return false;
        zh = digit(q + 1) * 10 + digit(q + 2);
        zm = digit(q + 4) * 10 + digit(q + 5);
        if (zh > 24 || zm > 60) return false;
        zsign = s == 45 ? -1 : 1;
        zoned = true;
        q += 6;
      }
    }
    if (q != e) return false;
    if (hour > 23 || min > 59 || sec > 59) return false;
  }
  out.byte(34);
  out.byte(48 + year / 1000);
  out.byte(48 + (year / 100) % 10);
  put2(year % 100);
  out.byte(45);
  put2(month);
  out.byte(45);
  put2(day);
  out.byte(84);
  put2(hour);
  out.byte(58);
  put2(min);
  out.byte(58);
  put2(sec);
  if (fracStart != 0) {
    // Nanosecond precision (extra digits are dropped), trailing zeros trimmed.
    let fe = fracEnd;
    if (fe - fracStart > 9) fe = fracStart + 9;
    while (fe > fracStart && load<u8>(fe - 1) == 48) fe--;
    if (fe > fracStart) {
      out.byte(46);
      out.copy(fracStart, <i32>(fe - fracStart));
    }
  }
  if (!zoned || (zh == 0 && zm == 0)) out.byte(90);
  else {
    out.byte(zsign < 0 ? 45 : 43);
    put2(zh);
    out.byte(58);
    put2(zm);
  }
  out.byte(34);
  return true;
}
