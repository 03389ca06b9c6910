/**
 * The runtime's native streaming SHA-256 (node:crypto), which Bun, Deno and Node all provide and which
 * measured fastest on all three (see bench/artifact.md). Passed into agent/artifact/digest.ts.
 */
import { createHash } from "node:crypto";
import type { Sha256Factory } from "../artifact/digest.ts";

export const nativeSha256: Sha256Factory = () => {
  const h = createHash("sha256");
  return {
    update: (data) => void h.update(data),
    hex: () => h.digest("hex"),
  };
};
