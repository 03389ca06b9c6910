/**
 * Shamir's secret sharing over GF(2^8) (the AES field, x^8+x^4+x^3+x+1) as sops's shamir package lays
 * it out: share i is the secret's bytes, each the value at x = i+1 of a random polynomial whose constant
 * term is that secret byte, followed by one byte holding x. With several key groups sops splits the data
 * key so that `shamir_threshold` groups recover it.
 */

function mul(a: number, b: number): number {
  let out = 0;
  for (let i = 7; i >= 0; i--) {
    out = ((out << 1) ^ (out & 0x80 ? 0x1b : 0)) & 0xff;
    if ((b >> i) & 1) out ^= a;
  }
  return out;
}

/** a^254, the multiplicative inverse in GF(2^8). */
function inverse(a: number): number {
  let r = 1;
  for (let e = 254, base = a; e > 0; e >>= 1, base = mul(base, base)) if (e & 1) r = mul(r, base);
  return r;
}

/** Splits the secret into `parts` shares of which any `threshold` recover it. */
export function shamirSplit(secret: Uint8Array, parts: number, threshold: number): Uint8Array[] {
  if (parts < threshold) throw new Error("parts cannot be less than threshold");
  if (parts > 255) throw new Error("parts cannot exceed 255");
  if (threshold < 2) throw new Error("threshold must be at least 2");
  if (secret.length === 0) throw new Error("cannot split an empty secret");
  const shares = Array.from({ length: parts }, (_, i) => {
    const s = new Uint8Array(secret.length + 1);
    s[secret.length] = i + 1;
    return s;
  });
  const coefficients = new Uint8Array(threshold);
  secret.forEach((byte, at) => {
    crypto.getRandomValues(coefficients);
    coefficients[0] = byte;
    for (const share of shares) {
      const x = share[secret.length]!;
      let y = coefficients[threshold - 1]!;
      for (let d = threshold - 2; d >= 0; d--) y = mul(y, x) ^ coefficients[d]!;
      share[at] = y;
    }
  });
  return shares;
}

/** Recovers the secret from shares (Lagrange interpolation at x = 0). */
export function shamirCombine(shares: readonly Uint8Array[]): Uint8Array {
  if (shares.length < 2) throw new Error("less than two parts cannot be used to reconstruct the secret");
  const size = shares[0]!.length;
  if (size < 2) throw new Error("parts must be at least two bytes");
  if (shares.some((s) => s.length !== size)) throw new Error("all parts must be the same length");
  const xs = shares.map((s) => s[size - 1]!);
  if (new Set(xs).size !== xs.length) throw new Error("duplicate part detected");
  const secret = new Uint8Array(size - 1);
  for (let at = 0; at < size - 1; at++) {
    let value = 0;
    for (let i = 0; i < shares.length; i++) {
      let basis = 1;
      for (let j = 0; j < shares.length; j++) {
        if (i !== j) basis = mul(basis, mul(xs[j]!, inverse(xs[i]! ^ xs[j]!)));
      }
      value ^= mul(shares[i]![at]!, basis);
    }
    secret[at] = value;
  }
  return secret;
}
