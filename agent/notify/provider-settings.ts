/**
 * A Provider's spec and Secrets resolved into what its notifier is built from, as notification-controller's
 * `createNotifier` and `extractAuthFromSecret` read them: the Secret's `address` overrides spec.address
 * (at most 2048 bytes), `token`, `username` and `password` (basic auth when both are set; the Secret's
 * username replaces spec.username), `headers` as a YAML map of strings, the deprecated `proxy`;
 * proxySecretRef (`address`, optional `username`/`password`), certSecretRef (`ca.crt`, `tls.crt`,
 * `tls.key`, or the secretRef's `ca.crt` for commit-status types); spec.timeout (default 15s).
 * Every Secret is in the Provider's own namespace: the references are local by type.
 *
 * The values are secrets: `secretValues` lists them so every error can be masked before it is logged or
 * recorded.
 */
import { parseDuration } from "../core/duration.ts";
import type { TlsOptions } from "../core/fetch.ts";
import { parseDocuments } from "../yaml/parse.ts";
import { COMMIT_STATUS_PROVIDERS, type Provider } from "../api/provider.ts";
import type { ProviderSettings } from "./notifier.ts";
import { NOTIFIERS, unsupportedType } from "./provider-types.ts";
import type { Notifier } from "./notifier.ts";

export const DEFAULTS = {
  /** Provider.GetTimeout's default. */
  timeoutMs: 15_000,
  maxAddress: 2048,
};

export interface ResolvedProvider {
  settings: ProviderSettings;
  notifier: Notifier;
  timeoutMs: number;
  tls?: TlsOptions;
  proxy?: string;
  /** Every secret string in use, to mask in messages. */
  secretValues: string[];
}

/** Reads a Secret of the Provider's namespace by name, as decoded strings (throws when it is missing). */
export type SecretReader = (name: string) => Promise<Record<string, string>>;

export async function resolveProvider(p: Provider, readSecret: SecretReader): Promise<ResolvedProvider> {
  const spec = p.spec;
  const factory = NOTIFIERS[spec.type];
  if (!factory) throw new Error(unsupportedType(spec.type));
  if (spec.commitStatusExpr) throw new Error("spec.commitStatusExpr is not supported by rivulet yet (the agent has no CEL evaluator): remove it to use the default status id <kind>/<name>/<provider uid prefix>");
  const settings: ProviderSettings = { type: spec.type, address: spec.address ?? "", providerUid: p.metadata.uid };
  if (spec.channel) settings.channel = spec.channel;
  if (spec.username) settings.username = spec.username;
  const secretValues: string[] = [];
  let proxy = spec.proxy;
  let tls: TlsOptions | undefined;
  let secret: Record<string, string> | undefined;
  if (spec.secretRef) {
    secret = await readSecret(spec.secretRef.name);
    if (secret.address !== undefined) {
      if (new TextEncoder().encode(secret.address).length > DEFAULTS.maxAddress) throw new Error(`invalid address in secret: address exceeds maximum length of ${DEFAULTS.maxAddress} bytes`);
      settings.address = secret.address.trim();
      secretValues.push(settings.address);
    }
    if (secret.proxy !== undefined) proxy = secret.proxy.trim();
    if (secret.headers !== undefined) settings.headers = parseHeaders(secret.headers);
    if (secret.token !== undefined) {
      settings.token = secret.token.trim();
      secretValues.push(settings.token);
    }
    if (secret.username !== undefined && secret.password !== undefined) {
      settings.username = secret.username;
      settings.password = secret.password;
      secretValues.push(secret.password);
    }
  }
  if (spec.proxySecretRef) {
    const ps = await readSecret(spec.proxySecretRef.name);
    if (!ps.address) throw new Error(`failed to get proxy URL: secret '${p.metadata.namespace}/${spec.proxySecretRef.name}': key 'address' not found`);
    const u = new URL(ps.address);
    if (ps.username) u.username = encodeURIComponent(ps.username);
    if (ps.password) u.password = encodeURIComponent(ps.password);
    proxy = u.toString();
    if (ps.password) secretValues.push(ps.password);
  }
  if (spec.certSecretRef) {
    tls = tlsOf(await readSecret(spec.certSecretRef.name));
  } else if (secret?.["ca.crt"] && COMMIT_STATUS_PROVIDERS.includes(spec.type)) {
    tls = tlsOf(secret);
  }
  const timeoutMs = spec.timeout ? parseDuration(spec.timeout) : DEFAULTS.timeoutMs;
  // The factory validates the settings (address, token, channel) as Flux's constructors do; its message
  // may quote the address, which is a secret when it came from the Secret.
  let notifier: Notifier;
  try {
    notifier = factory(settings);
  } catch (err) {
    throw new Error(maskSecrets((err as Error).message, secretValues));
  }
  return { settings, notifier, timeoutMs, tls, proxy: proxy || undefined, secretValues: secretValues.filter((v) => v.length > 0) };
}

function tlsOf(s: Record<string, string>): TlsOptions {
  const tls: TlsOptions = {};
  if (s["ca.crt"]) tls.ca = s["ca.crt"];
  if (s["tls.crt"] && s["tls.key"]) {
    tls.cert = s["tls.crt"];
    tls.key = s["tls.key"];
  } else if (s["tls.crt"] || s["tls.key"]) {
    throw new Error("failed to get TLS config: 'tls.crt' and 'tls.key' must be set together");
  }
  return tls;
}

/** The Secret's `headers`: a YAML map of strings (sigs.k8s.io/yaml into map[string]string). */
export function parseHeaders(text: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = parseDocuments(text, "headers")[0];
  } catch {
    // The parser's message quotes the text, and header values are often credentials.
    throw new Error("failed to read headers from secret: the value is not valid YAML");
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new Error("failed to read headers from secret: the value is not a map of header names to values");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof v !== "string") throw new Error(`failed to read headers from secret: header ${k} is not a string`);
    out[k] = v;
  }
  return out;
}

/** `text` with every secret value replaced by `*****` (Flux's masktoken). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("*****");
  return out;
}
