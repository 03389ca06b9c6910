/**
 * Deno 2.x's node:crypto.verify throws "no default digest" when called with a null algorithm and an EC
 * or RSA key, where Node and Bun default to SHA-256. @sigstore/core relies on that default for SET,
 * checkpoint and DSSE signatures and turns the throw into "invalid", so every keyless verification would
 * fail on Deno. This patch supplies SHA-256 in exactly that case. Import it once, before verifying, on
 * any runtime (it does nothing outside Deno). See reference/sigstore.md §3.
 */
import crypto from "node:crypto";

const g = globalThis as { Deno?: unknown };
const patched = Symbol.for("rivulet.sigstore-shim");
const c = crypto as unknown as Record<symbol, boolean> & { verify: (...args: unknown[]) => unknown };

if (g.Deno && !c[patched]) {
  const original = crypto.verify;
  c.verify = (alg: unknown, data: unknown, key: unknown, sig: unknown, cb?: unknown) => {
    if (alg == null) {
      const k = key instanceof crypto.KeyObject ? key : crypto.createPublicKey(key as crypto.KeyLike);
      if (k.asymmetricKeyType === "ec" || k.asymmetricKeyType === "rsa") alg = "sha256";
    }
    return (original as (...a: unknown[]) => unknown)(alg, data, key, sig, cb);
  };
  c[patched] = true;
}

export {};
