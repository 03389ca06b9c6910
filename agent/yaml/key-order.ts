/**
 * The order `kubectl kustomize` writes mapping keys in: go-yaml v3 sorts map keys "naturally" (its
 * keyList.Less), so `item9` comes before `item10`, `a_b` before `aB` (a non-letter sorts before a letter,
 * unless it follows digits), and digit runs compare as numbers (with Go's int64 wrap-around for runs past
 * 19 digits). Plain code-unit order (`Array.prototype.sort`) agrees on most Kubernetes keys but not these.
 * Limits: Unicode letters and digits are told apart with `\p{L}` / `\p{Nd}`, as Go's unicode tables do,
 * which may differ for characters added to Unicode after either table was built.
 */

const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;

function isLetter(c: number): boolean {
  if (c < 128) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
  return LETTER.test(String.fromCodePoint(c));
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function isDigit(c: number): boolean {
  if (c < 128) return c >= 0x30 && c <= 0x39;
  return DIGIT.test(String.fromCodePoint(c));
}

/** Whether the rune before index `i` of `s` is a digit. */
function previousIsDigit(s: string, i: number): boolean {
  if (i === 0) return false;
  const c = s.charCodeAt(i - 1);
  return isLowSurrogate(c) && i >= 2 ? isDigit(s.codePointAt(i - 2)!) : isDigit(c);
}

/** The digit run of `s` from `i` read as Go does (int64, wrapping), starting from `seed`; and where it ends. */
function digitRun(s: string, i: number, seed: bigint): [bigint, number] {
  let v = seed;
  let j = i;
  for (; j < s.length; j++) {
    const c = s.codePointAt(j)!;
    if (!isDigit(c)) break;
    v = BigInt.asIntN(64, v * 10n + BigInt(c - 0x30));
    if (c > 0xffff) j++;
  }
  return [v, j];
}

/** Whether `c` is an ASCII letter (one compare: folding the case bit maps both ranges onto a-z). */
function isAsciiLetter(c: number): boolean {
  return ((c | 0x20) - 0x61) >>> 0 < 26;
}

/** Whether key `a` sorts before key `b` in kustomize output. */
export function keyLess(a: string, b: string): boolean {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Most keys first differ in two ASCII letters.
    if (isAsciiLetter(ca) && isAsciiLetter(cb)) return ca < cb;
    // Go compares runes: read whole code points where a surrogate is involved (stepping back to the
    // shared high half when the strings first differ in a low half).
    if (isLowSurrogate(ca) && i > 0 && isHighSurrogate(a.charCodeAt(i - 1))) i--;
    if (isHighSurrogate(a.charCodeAt(i)) || isHighSurrogate(b.charCodeAt(i))) {
      ca = a.codePointAt(i)!;
      cb = b.codePointAt(i)!;
    }
    // A lone surrogate is written as U+FFFD (emit.ts), so it sorts as one: the order then survives a
    // round trip through the emitted text.
    if (ca >= 0xd800 && ca <= 0xdfff) ca = 0xfffd;
    if (cb >= 0xd800 && cb <= 0xdfff) cb = 0xfffd;
    if (ca === cb) continue;
    const al = isLetter(ca);
    const bl = isLetter(cb);
    if (al && bl) return ca < cb;
    // After a digit a letter sorts first, elsewhere a non-letter does.
    if (al || bl) return previousIsDigit(a, i) ? al : bl;
    // Neither is a letter: compare the digit runs starting here as numbers (0 when there is none); a run
    // continuing a number that has a non-zero digit before it starts from 1, as in go-yaml.
    let seed = 0n;
    if (ca === 0x30 || cb === 0x30) {
      for (let j = i - 1; j >= 0 && isDigit(a.charCodeAt(j)); j--) {
        if (a.charCodeAt(j) !== 0x30) {
          seed = 1n;
          break;
        }
      }
    }
    const [an, ai] = digitRun(a, i, seed);
    const [bn, bi] = digitRun(b, i, seed);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ca < cb;
  }
  return a.length < b.length;
}

/** Sorts `keys` in place into kustomize's order (insertion sort: manifests have few keys, often in order). */
export function sortKeys(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    if (!keyLess(k, keys[i - 1]!)) continue;
    let j = i - 1;
    while (j >= 0 && keyLess(k, keys[j]!)) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}
