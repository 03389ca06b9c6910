/**
 * Go's strconv.ParseFloat(s, 64), which Flux uses to read numbers the user did not write as JSON (image
 * tags under a numerical ImagePolicy): decimal and hexadecimal (`0x1.8p1`) literals, `_` between digits,
 * `inf`/`infinity`/`nan` in any case (a sign only before inf). A value beyond float64's range is an error,
 * as in Go; one too small rounds to zero. Undefined when Go would return an error. Pure.
 */

const DECIMAL = /^[+-]?(?:[0-9_]+(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?$/;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F_]+(?:\.[0-9a-fA-F_]*)?|\.[0-9a-fA-F_]+))[pP]([+-]?[0-9_]+)$/;

export function parseGoFloat(s: string): number | undefined {
  const special = /^([+-]?)(inf|infinity)$/i.exec(s);
  if (special) return special[1] === "-" ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (s.includes("_") && !underscoresBetweenDigits(s)) return undefined;
  let value: number;
  if (DECIMAL.test(s)) {
    // Every run of digits needs a digit; `_` alone or `.` alone is not a number.
    if (!/[0-9]/.test(s.split(/[eE]/)[0]!)) return undefined;
    value = Number(s.replaceAll("_", ""));
  } else {
    const hex = HEX.exec(s);
    if (!hex) return undefined;
    const [int = "", frac = ""] = hex[2]!.replaceAll("_", "").split(".");
    if (int === "" && frac === "") return undefined;
    const mantissa = int + frac;
    value = Number.parseInt(mantissa, 16) * 2 ** (Number(hex[3]!.replaceAll("_", "")) - 4 * frac.length);
    if (hex[1] === "-") value = -value;
  }
  return Number.isFinite(value) ? value : undefined;
}

/** Go's underscoreOK: `_` only between digits, or between a base prefix and a digit. */
function underscoresBetweenDigits(s: string): boolean {
  let t = s.replace(/^[+-]/, "");
  let saw = "^";
  let hex = false;
  if (/^0[bBoOxX]/.test(t)) {
    hex = /^0[xX]/.test(t);
    saw = "0";
    t = t.slice(2);
  }
  for (const c of t) {
    if (/[0-9]/.test(c) || (hex && /[a-fA-F]/.test(c))) saw = "0";
    else if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
    } else {
      if (saw === "_") return false;
      saw = "!";
    }
  }
  return saw !== "_";
}
