/**
 * The byte spans of the documents in a YAML stream, found without parsing: a document ends where a line
 * starts with the `---` directive end marker or the `...` document end marker followed by a space, a tab
 * or the end of the line. This is how a size limit is checked before a document is parsed or even decoded
 * to text. It errs towards more, smaller documents (a marker inside a multi-line quoted scalar splits it),
 * never towards a larger one, so a span it reports as over a limit is over it; the parser's own cap
 * (parse.ts) stays the hard bound.
 */

/** One document: where it starts, its length in bytes, and its number in the stream (from 1). */
export interface DocumentSpan {
  index: number;
  start: number;
  length: number;
}

const LF = 0x0a;
const DASH = 0x2d;
const DOT = 0x2e;

/** Whether a marker of three `c` starts at `i` and is followed by a separator or the end. */
function markerAt(bytes: Uint8Array, i: number, c: number): boolean {
  if (bytes[i] !== c || bytes[i + 1] !== c || bytes[i + 2] !== c) return false;
  const next = bytes[i + 3];
  return next === undefined || next === 0x20 || next === 0x09 || next === LF || next === 0x0d;
}

/** The largest document of `bytes`, or undefined when the stream is empty. */
export function largestDocument(bytes: Uint8Array): DocumentSpan | undefined {
  let largest: DocumentSpan | undefined;
  let index = 1;
  let start = 0;
  // After `...` the document is closed already: a `---` that follows opens the next one, it ends nothing.
  let ended = false;
  const close = (end: number) => {
    if (end > start && (!largest || end - start > largest.length)) largest = { index, start, length: end - start };
  };
  for (let line = 0; line < bytes.length; ) {
    const nl = bytes.indexOf(LF, line);
    const next = nl < 0 ? bytes.length : nl + 1;
    if (markerAt(bytes, line, DASH)) {
      // A `---` on the first line opens the first document rather than ending an empty one.
      if (line > 0 && !ended) {
        close(line);
        index++;
      }
      ended = false;
      start = line;
    } else if (markerAt(bytes, line, DOT)) {
      close(line);
      index++;
      ended = true;
      start = next;
    }
    line = next;
  }
  close(bytes.length);
  return largest;
}
