/**
 * Kubernetes resource quantities in the canonical form the API server stores (`1000m` -> `1`,
 * `1024Mi` -> `1Gi`, `0.5` -> `500m`, `1.5Gi` -> `1536Mi`), so a desired `cpu: 1000m` and a live
 * `cpu: "1"` hash the same. The format of the input is kept as the server keeps it: binary suffixes
 * stay binary when the value is a whole number of at least 1024, exponents stay exponents.
 * Limits: values below one nano-unit round up to `1n` as the server does (`1m` in ResourceLists); a string that is not a
 * quantity is returned unchanged (so it still compares by its text).
 */

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_BY_EXP = new Map(Object.entries(DECIMAL).map(([s, e]) => [e, s]));
const BINARY_SUFFIX = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

type Format = "binary" | "decimal" | "exponent";

/**
 * The canonical text of a quantity, or the input unchanged when it is not one. `milli` rounds up to
 * milli-units, as the server's defaulting does for every value of a core/v1 ResourceList (container
 * resources, ResourceQuota, LimitRange, PVC): `1n` of cpu is stored as `1m`.
 */
export function canonicalQuantity(input: string | number, milli = false): string | number {
  const text = String(input);
  const m = QUANTITY.exec(text);
  if (!m) return input;
  const negative = m[1] === "-";
  const [whole, frac = ""] = m[2]!.split(".");
  let n = BigInt((whole || "0") + frac);
  let e = -frac.length;
  const suffix = m[3] ?? "";
  let format: Format = "decimal";
  if (suffix in BINARY) {
    format = "binary";
    n *= 1024n ** BigInt(BINARY[suffix]!);
  } else if (/^[eE]/.test(suffix)) {
    format = "exponent";
    e += Number(suffix.slice(1));
  } else {
    e += DECIMAL[suffix]!;
  }
  if (n === 0n) return "0";
  // The server keeps nano precision (milli in ResourceLists) and rounds anything finer up.
  const minExp = milli ? -3 : -9;
  if (e < minExp) {
    const div = 10n ** BigInt(minExp - e);
    n = (n + div - 1n) / div;
    e = minExp;
  }
  const sign = negative ? "-" : "";
  if (format === "binary") {
    const isInt = e >= 0 || n % 10n ** BigInt(-e) === 0n;
    const value = e >= 0 ? n * 10n ** BigInt(e) : n / 10n ** BigInt(-e);
    if (isInt && value >= 1024n) {
      let v = value;
      let k = 0;
      while (k < 6 && v % 1024n === 0n) {
        v /= 1024n;
        k++;
      }
      return `${sign}${v}${BINARY_SUFFIX[k]}`;
    }
    format = "decimal";
  }
  while (n % 10n === 0n) {
    n /= 10n;
    e++;
  }
  // Exponents are multiples of three (the SI suffixes), reached by growing the mantissa.
  const r = ((e % 3) + 3) % 3;
  n *= 10n ** BigInt(r);
  e -= r;
  if (format === "exponent") return `${sign}${n}${e === 0 ? "" : `e${e}`}`;
  const s = DECIMAL_BY_EXP.get(e);
  return s === undefined ? `${sign}${n}e${e}` : `${sign}${n}${s}`;
}

/** The exact value of a quantity as a fraction n / 10^9 (nano units), for property tests; undefined if not one. */
export function quantityNanos(text: string): bigint | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [whole, frac = ""] = m[2]!.split(".");
  let n = BigInt((whole || "0") + frac) * 10n ** 9n;
  let e = -frac.length;
  const suffix = m[3] ?? "";
  if (suffix in BINARY) n *= 1024n ** BigInt(BINARY[suffix]!);
  else if (/^[eE]/.test(suffix)) e += Number(suffix.slice(1));
  else e += DECIMAL[suffix]!;
  const v = e >= 0 ? n * 10n ** BigInt(e) : (n + 10n ** BigInt(-e) - 1n) / 10n ** BigInt(-e);
  return m[1] === "-" ? -v : v;
}
