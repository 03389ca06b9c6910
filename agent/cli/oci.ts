/**
 * `rivulet push|pull|tag artifact` and `rivulet sign|verify` for OCI artifacts, in the format and with
 * the flags of `flux push/pull/tag artifact` and of `cosign sign/verify` (key-based signing only; keyless
 * verification against a trusted root). Push and pull print progress lines on stderr and the artifact's
 * `oci://...@sha256:<hex>` on stdout. Registry access goes through agent/source/oci; node:fs, node:crypto
 * and the native hash/gunzip come from here and agent/runtime.
 */
import { createPrivateKey, sign as nodeSign } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { writeTree } from "../artifact/file-tree.ts";
import { pack } from "../artifact/pack.ts";
import { fetchOciArtifact } from "../source/oci/fetch-oci-artifact.ts";
import { formatOciReference, parseOciReference, type OciReference } from "../source/oci/oci-reference.ts";
import { pushArtifact, tagArtifact } from "../source/oci/push-artifact.ts";
import type { RegistryCredentials } from "../source/oci/registry-auth.ts";
import { RegistryClient } from "../source/oci/registry-client.ts";
import { signOciArtifact } from "../verify/sign-oci-artifact.ts";
import { pushReferrer } from "../verify/push-referrer.ts";
import { MEDIA } from "../source/oci/media-types.ts";
import { verifyOciArtifact } from "../verify/verify-oci-artifact.ts";
import { fsTreeReader, fsTreeSink } from "../runtime/artifact-fs.ts";
import { createFetch } from "../runtime/http-fetch.ts";
import { nativeSha256 } from "../runtime/native-digest.ts";
import { nativeGunzip } from "../runtime/native-gunzip.ts";
import "../runtime/sigstore-shim.ts";
import { UsageError, type CliIO, type Command } from "./command.ts";

type Values = Record<string, string | boolean | string[] | undefined>;

const COMMON: ParseArgsConfig["options"] = {
  insecure: { type: "boolean" },
  creds: { type: "string" },
  "ca-file": { type: "string" },
};
const COMMON_HELP = `  --insecure             plain HTTP to the registry
  --creds USER:PASS      registry credentials (else $RIVULET_REGISTRY_CREDS)
  --ca-file FILE         PEM CA bundle for the registry's TLS certificate`;

function parse(argv: string[], options: ParseArgsConfig["options"], usage: string): { values: Values; ref: OciReference } {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length !== 1) throw new UsageError(`expected ${usage}`);
  try {
    return { values: parsed.values, ref: parseOciReference(parsed.positionals[0]!) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function clientFor(ref: OciReference, v: Values, io: CliIO): Promise<RegistryClient> {
  const creds = (v.creds as string | undefined) ?? io.env.RIVULET_REGISTRY_CREDS;
  let credentials: RegistryCredentials | undefined;
  if (creds) {
    const colon = creds.indexOf(":");
    if (colon < 0) throw new UsageError("--creds must be USER:PASSWORD");
    credentials = { username: creds.slice(0, colon), password: creds.slice(colon + 1) };
  }
  const ca = v["ca-file"] ? await readFile(resolve(io.cwd, v["ca-file"] as string), "utf8") : undefined;
  return new RegistryClient({
    host: ref.host, repository: ref.repository, fetch: createFetch({ ca }), insecure: Boolean(v.insecure),
    credentials, sha256: nativeSha256, signal: io.signal,
  });
}

/** Progress on stderr: one line per 10% step, so logs stay short. */
function progress(io: CliIO, what: string): (done: number, total: number) => void {
  let last = -1;
  return (done, total) => {
    const pct = total > 0 ? Math.floor((done / total) * 10) * 10 : 100;
    if (pct === last) return;
    last = pct;
    io.err(`${what} ${bytes(done)} / ${bytes(total)} (${pct}%)`);
  };
}

function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export const pushArtifactCommand: Command = {
  path: ["push", "artifact"],
  summary: "Pack a directory and push it as a Flux OCI artifact",
  help: `Usage: rivulet push artifact oci://HOST/REPO:TAG --path DIR --source URL --revision REV [flags]

Packs DIR the way Flux does and pushes it in the format of \`flux push artifact\`: config
application/vnd.cncf.flux.config.v1+json, one layer application/vnd.cncf.flux.content.v1.tar+gzip, and
the annotations org.opencontainers.image.{source,revision,created}. Prints oci://HOST/REPO@sha256:<hex>.

Flags:
  --path DIR             directory to pack (required)
  --source URL           org.opencontainers.image.source
  --revision REV         org.opencontainers.image.revision, e.g. main@sha1:<hex>
  --ignore PATTERNS      gitignore lines applied last (newline-separated)
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, ref } = parse(argv, { path: { type: "string" }, source: { type: "string" }, revision: { type: "string" }, ignore: { type: "string" } }, "oci://HOST/REPO:TAG");
    if (!ref.tag || ref.digest) throw new UsageError("push needs a tag and no digest: oci://HOST/REPO:TAG");
    if (!values.path) throw new UsageError("--path DIR is required");
    const packed = await pack(fsTreeReader(resolve(io.cwd, values.path as string)), { ignore: values.ignore as string | undefined, sha256: nativeSha256 });
    io.err(`packed ${packed.entries} entries into ${bytes(packed.bytes.length)}`);
    const client = await clientFor(ref, values, io);
    const layerProgress = progress(io, "pushing layer");
    const pushed = await pushArtifact(client, {
      tag: ref.tag, layer: packed.bytes, source: values.source as string | undefined, revision: values.revision as string | undefined,
      sha256: nativeSha256, gunzip: nativeGunzip(),
      onProgress: (stage, done, total) => stage === "layer" && layerProgress(done, total),
    });
    io.err(`pushed ${formatOciReference(ref)}`);
    io.out(formatOciReference({ ...ref, tag: undefined, digest: pushed.digest }));
    return 0;
  },
};

export const pullArtifactCommand: Command = {
  path: ["pull", "artifact"],
  summary: "Pull a Flux OCI artifact and unpack it into a directory",
  help: `Usage: rivulet pull artifact oci://HOST/REPO[:TAG|@sha256:<hex>] -o DIR [flags]

Pulls the artifact (the first layer, or the one with --layer-media-type), checks every blob against its
digest while downloading, and unpacks it safely into DIR. Prints oci://HOST/REPO@sha256:<hex>.

Flags:
  -o, --output DIR       where to unpack (required)
  --layer-media-type T   the layer to use
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, ref } = parse(argv, { output: { type: "string", short: "o" }, "layer-media-type": { type: "string" } }, "oci://HOST/REPO:TAG");
    if (!values.output) throw new UsageError("-o DIR is required");
    const creds = (values.creds as string | undefined) ?? io.env.RIVULET_REGISTRY_CREDS;
    const ca = values["ca-file"] ? await readFile(resolve(io.cwd, values["ca-file"] as string), "utf8") : undefined;
    const colon = creds?.indexOf(":") ?? -1;
    if (creds && colon < 0) throw new UsageError("--creds must be USER:PASSWORD");
    const r = await fetchOciArtifact({
      url: formatOciReference({ host: ref.host, repository: ref.repository }),
      ref: ref.digest ? { digest: ref.digest } : { tag: ref.tag ?? "latest" },
      layerSelector: values["layer-media-type"] ? { mediaType: values["layer-media-type"] as string } : undefined,
      fetch: createFetch({ ca }), insecure: Boolean(values.insecure), signal: io.signal,
      credentials: creds ? { username: creds.slice(0, colon), password: creds.slice(colon + 1) } : undefined,
      sha256: nativeSha256, gunzip: nativeGunzip(), onProgress: progress(io, "pulling layer"),
    });
    if (r.status !== "fetched" || !r.files) throw new Error(`Cannot pull ${formatOciReference(ref)}: nothing was fetched`);
    const target = resolve(io.cwd, values.output as string);
    await mkdir(target, { recursive: true });
    await writeTree(r.files, fsTreeSink(target));
    io.err(`unpacked ${r.files.size} entries into ${values.output}`);
    for (const [k, v] of Object.entries(r.metadata)) io.err(`${k}: ${v}`);
    io.out(formatOciReference({ ...ref, tag: undefined, digest: r.digest }));
    return 0;
  },
};

export const tagArtifactCommand: Command = {
  path: ["tag", "artifact"],
  summary: "Add a tag to an OCI artifact",
  help: `Usage: rivulet tag artifact oci://HOST/REPO:TAG|@sha256:<hex> --tag NEW [flags]

Flags:
  --tag NEW              the tag to add (required)
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, ref } = parse(argv, { tag: { type: "string" } }, "oci://HOST/REPO:TAG");
    if (!values.tag) throw new UsageError("--tag NEW is required");
    const client = await clientFor(ref, values, io);
    const digest = await tagArtifact(client, ref.digest ?? ref.tag ?? "latest", values.tag as string);
    io.out(formatOciReference({ host: ref.host, repository: ref.repository, digest }));
    return 0;
  },
};

export const signCommand: Command = {
  path: ["sign"],
  summary: "Sign an OCI artifact with a key, the cosign way",
  help: `Usage: rivulet sign oci://HOST/REPO:TAG|@sha256:<hex> --key FILE [--bundle] [flags]

Signs the manifest digest with a PEM private key (PKCS#8 "PRIVATE KEY", "EC PRIVATE KEY" or "RSA PRIVATE
KEY"; cosign's encrypted cosign.key is not read: use an unencrypted key, e.g. from \`openssl genpkey
-algorithm EC -pkeyopt ec_paramgen_curve:P-256\`, whose public half cosign verifies too). Without --bundle it writes a cosign legacy signature (tag sha256-<hex>.sig);
with --bundle a Sigstore v0.3 bundle referrer as cosign v3 does. No transparency-log upload.

Flags:
  --key FILE             PEM private key (required)
  --bundle               write a v3 Sigstore bundle instead of a .sig signature
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, ref } = parse(argv, { key: { type: "string" }, bundle: { type: "boolean" } }, "oci://HOST/REPO:TAG");
    if (!values.key) throw new UsageError("--key FILE is required");
    const key = createPrivateKey(await readFile(resolve(io.cwd, values.key as string), "utf8"));
    const alg = key.asymmetricKeyType === "ed25519" ? null : "sha256";
    const client = await clientFor(ref, values, io);
    const digest = await digestOf(client, ref);
    const r = await signOciArtifact({
      client, digest, format: values.bundle ? "bundle" : "legacy", keyHint: values.key as string,
      sign: async (data) => new Uint8Array(nodeSign(alg, data, key)),
    });
    io.err(`signed ${formatOciReference({ ...ref, tag: undefined, digest })} (${r.format}: ${r.location})`);
    io.out(digest);
    return 0;
  },
};

export const verifyCommand: Command = {
  path: ["verify"],
  summary: "Verify the cosign signature of an OCI artifact",
  help: `Usage: rivulet verify oci://HOST/REPO:TAG|@sha256:<hex> (--key FILE... | --certificate-identity-regexp RE --certificate-oidc-issuer-regexp RE [--trusted-root FILE]) [flags]

Checks the artifact the way an OCIRepository with spec.verify.provider cosign does: Sigstore bundle
referrers first, else the .sig tag; with keys (any may match) or keyless (certificate identity regexps
against a trusted root, the Sigstore public-good root by default). The signed payload must name the
artifact's digest. Exit 0 verified, 1 not verified (reason on stderr).

Flags:
  --key FILE                               PEM public key; repeat for several
  --certificate-identity-regexp RE         subject (SAN) regexp
  --certificate-oidc-issuer-regexp RE      OIDC issuer regexp
  --trusted-root FILE                      trusted_root.json
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, ref } = parse(argv, {
      key: { type: "string", multiple: true },
      "certificate-identity-regexp": { type: "string" },
      "certificate-oidc-issuer-regexp": { type: "string" },
      "trusted-root": { type: "string" },
    }, "oci://HOST/REPO:TAG");
    const keyFiles = (values.key as string[] | undefined) ?? [];
    const subject = values["certificate-identity-regexp"] as string | undefined;
    const issuer = values["certificate-oidc-issuer-regexp"] as string | undefined;
    if (keyFiles.length === 0 && (!subject || !issuer)) {
      throw new UsageError("give --key FILE, or both --certificate-identity-regexp and --certificate-oidc-issuer-regexp");
    }
    const keys = await Promise.all(keyFiles.map(async (f) => ({ name: f, pem: await readFile(resolve(io.cwd, f), "utf8") })));
    const trustedRootJson = values["trusted-root"] ? await readFile(resolve(io.cwd, values["trusted-root"] as string), "utf8") : undefined;
    const client = await clientFor(ref, values, io);
    const digest = await digestOf(client, ref);
    const v = await verifyOciArtifact({
      client, digest, keys, trustedRootJson,
      identities: keys.length === 0 ? [{ issuer: issuer!, subject: subject! }] : undefined,
    });
    if (!v.verified) {
      io.err(`${v.reason}: ${v.message}`);
      return 1;
    }
    io.err(`verified ${formatOciReference({ ...ref, tag: undefined, digest })}: ${v.method} ${v.format} signature by ${v.signer}${v.issuer ? ` (issuer ${v.issuer})` : ""}`);
    io.out(digest);
    return 0;
  },
};

export const pushSbomCommand: Command = {
  path: ["push", "sbom"],
  summary: "Attach a CycloneDX SBOM to an image or artifact as an OCI referrer",
  help: `Usage: rivulet push sbom oci://HOST/REPO:TAG|@sha256:<hex> --file SBOM.json [flags]

Pushes the CycloneDX JSON document as an OCI 1.1 referrer of the manifest (artifactType
${MEDIA.cyclonedx}, the document as its one layer, the manifest as its subject), listed in the
sha256-<hex> referrers-tag index for registries without the referrers API. Prints the referrer's digest.

Flags:
  --file FILE            the CycloneDX JSON SBOM (required; bomFormat must be CycloneDX)
${COMMON_HELP}`,
  async run(argv, io) {
    const { values, ref } = parse(argv, { file: { type: "string" } }, "oci://HOST/REPO:TAG");
    if (!values.file) throw new UsageError("--file FILE is required");
    const document = new Uint8Array(await readFile(resolve(io.cwd, values.file as string)));
    let bom: { bomFormat?: unknown; specVersion?: unknown };
    try {
      bom = JSON.parse(new TextDecoder().decode(document));
    } catch (err) {
      throw new Error(`Cannot read the SBOM ${values.file}: not JSON`, { cause: err });
    }
    if (bom?.bomFormat !== "CycloneDX") throw new Error(`Cannot read the SBOM ${values.file}: bomFormat is not CycloneDX`);
    const client = await clientFor(ref, values, io);
    const digest = await digestOf(client, ref);
    const referrer = await pushReferrer(client, {
      subject: digest, artifactType: MEDIA.cyclonedx, document,
      annotations: { "org.opencontainers.image.created": new Date().toISOString().replace(/\.\d+Z$/, "Z"), "dev.rivulet.sbom.specVersion": String(bom.specVersion ?? "") },
    });
    io.err(`attached the SBOM to ${formatOciReference({ ...ref, tag: undefined, digest })} as ${referrer}`);
    io.out(referrer);
    return 0;
  },
};

async function digestOf(client: RegistryClient, ref: OciReference): Promise<string> {
  if (ref.digest) return ref.digest;
  const head = await client.headManifest(ref.tag ?? "latest");
  if (!head) throw new Error(`Cannot find ${formatOciReference(ref)}: the tag does not exist`);
  return head.digest;
}

export const ociCommands: Command[] = [pushArtifactCommand, pushSbomCommand, pullArtifactCommand, tagArtifactCommand, signCommand, verifyCommand];
