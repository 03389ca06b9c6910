import { afterAll, beforeAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry, type TestRegistry } from "../../test/support/oci-registry.ts";
import { dispatch } from "./dispatch.ts";
import { ociCommands } from "./oci.ts";

let reg: TestRegistry;
let dir: string;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await dispatch(argv, ociCommands, { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd: dir, signal: new AbortController().signal });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeAll(async () => {
  reg = await startRegistry({ auth: true });
  dir = mkdtempSync(join(tmpdir(), "rivulet-oci-cli-"));
  mkdirSync(join(dir, "src/deploy"), { recursive: true });
  writeFileSync(join(dir, "src/deploy/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
  // openssl is the peer that makes the keys, so the CLI reads keys it did not write itself.
  execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", join(dir, "cosign.key")]);
  execFileSync("openssl", ["pkey", "-in", join(dir, "cosign.key"), "-pubout", "-out", join(dir, "cosign.pub")]);
  execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", join(dir, "other.key")]);
  execFileSync("openssl", ["pkey", "-in", join(dir, "other.key"), "-pubout", "-out", join(dir, "other.pub")]);
});

afterAll(async () => {
  await reg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("push, tag, pull, sign and verify an artifact through the CLI", async () => {
  const creds = `${reg.username}:${reg.password}`;
  const url = `oci://${reg.host}/team/app`;
  const pushed = await cli("push", "artifact", `${url}:v1.0.0`, "--path", "src", "--source", "https://git.example/app", "--revision", "main@sha1:abc", "--insecure", "--creds", creds);
  expect(pushed.code).toBe(0);
  expect(pushed.out).toMatch(new RegExp(`^oci://${reg.host}/team/app@sha256:[0-9a-f]{64}$`));
  expect(pushed.err).toContain("pushing layer");
  expect(pushed.err).toContain("(100%)");
  const digest = pushed.out.split("@")[1]!;

  const tagged = await cli("tag", "artifact", `${url}:v1.0.0`, "--tag", "latest", "--insecure", "--creds", creds);
  expect(tagged.out).toBe(`${url}@${digest}`);

  const pulled = await cli("pull", "artifact", `${url}:latest`, "-o", "out", "--insecure", "--creds", creds);
  expect(pulled.code).toBe(0);
  expect(pulled.out).toBe(`${url}@${digest}`);
  expect(pulled.err).toContain("pulling layer");
  expect(pulled.err).toContain("org.opencontainers.image.revision: main@sha1:abc");
  expect(readFileSync(join(dir, "out/deploy/cm.yaml"), "utf8")).toBe("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");

  const unsigned = await cli("verify", `${url}:v1.0.0`, "--key", "cosign.pub", "--insecure", "--creds", creds);
  expect(unsigned.code).toBe(1);
  expect(unsigned.err).toBe(`NoSignature: Cannot verify ${reg.host}/team/app@${digest}: no cosign signature found (neither a Sigstore bundle referrer nor a .sig tag)`);

  const signed = await cli("sign", `${url}:v1.0.0`, "--key", "cosign.key", "--insecure", "--creds", creds);
  expect(signed.code).toBe(0);
  expect(signed.out).toBe(digest);
  const ok = await cli("verify", `${url}:latest`, "--key", "other.pub", "--key", "cosign.pub", "--insecure", "--creds", creds);
  expect(ok.code).toBe(0);
  expect(ok.err).toBe(`verified ${url}@${digest}: key legacy signature by cosign.pub`);
  const wrong = await cli("verify", `${url}@${digest}`, "--key", "other.pub", "--insecure", "--creds", creds);
  expect(wrong.code).toBe(1);
  expect(wrong.err).toBe(`InvalidSignature: Cannot verify ${reg.host}/team/app@${digest}: no signature verified: the signature does not verify with the key other.pub`);

  const bundled = await cli("sign", `${url}:v1.0.0`, "--key", "other.key", "--bundle", "--insecure", "--creds", creds);
  expect(bundled.code).toBe(0);
  const viaBundle = await cli("verify", `${url}:v1.0.0`, "--key", "other.pub", "--insecure", "--creds", creds);
  expect(viaBundle.err).toBe(`verified ${url}@${digest}: key bundle signature by other.pub`);
});

test("the openssl peer agrees: the .sig payload verifies with `openssl dgst -verify`", async () => {
  const creds = `${reg.username}:${reg.password}`;
  const url = `oci://${reg.host}/team/peer`;
  const pushed = await cli("push", "artifact", `${url}:v1`, "--path", "src", "--insecure", "--creds", creds);
  const digest = pushed.out.split("@")[1]!;
  await cli("sign", `${url}:v1`, "--key", "cosign.key", "--insecure", "--creds", creds);
  const auth = `Basic ${btoa(creds)}`;
  const base = `http://${reg.host}/v2/team/peer`;
  const sig = (await (await fetch(`${base}/manifests/${digest.replace(":", "-")}.sig`, { headers: { authorization: auth, accept: "application/vnd.oci.image.manifest.v1+json" } })).json()) as {
    layers: Array<{ digest: string; annotations: Record<string, string> }>;
  };
  const layer = sig.layers[0]!;
  const payload = new Uint8Array(await (await fetch(`${base}/blobs/${layer.digest}`, { headers: { authorization: auth } })).arrayBuffer());
  writeFileSync(join(dir, "payload.json"), payload);
  writeFileSync(join(dir, "payload.sig"), Buffer.from(layer.annotations["dev.cosignproject.cosign/signature"]!, "base64"));
  const out = execFileSync("openssl", ["dgst", "-sha256", "-verify", join(dir, "cosign.pub"), "-signature", join(dir, "payload.sig"), join(dir, "payload.json")], { encoding: "utf8" });
  expect(out.trim()).toBe("Verified OK");
  expect(JSON.parse(new TextDecoder().decode(payload)).critical.image["docker-manifest-digest"]).toBe(digest);
});

test.each([
  [["push", "artifact", "oci://h/r", "--path", "x"], "push needs a tag and no digest: oci://HOST/REPO:TAG"],
  [["verify", "oci://h/r:v1"], "give --key FILE, or both --certificate-identity-regexp and --certificate-oidc-issuer-regexp"],
  [["pull", "artifact", "http://h/r:v1", "-o", "x"], 'Cannot parse the OCI address "http://h/r:v1": it must start with oci://'],
])("usage error %j", async (argv, msg) => {
  const r = await cli(...argv);
  expect(r.code).toBe(2);
  expect(r.err).toContain(msg);
});
