/**
 * Registry credentials and the distribution auth flow's pure parts: reading a docker config JSON (the
 * `.dockerconfigjson` of an OCIRepository's `secretRef`), and parsing `WWW-Authenticate` challenges
 * (`Basic realm=...`, `Bearer realm=...,service=...,scope=...`). The request side lives in
 * registry-client.ts.
 */
import { base64Decode, base64Encode } from "../../core/bytes.ts";

export type RegistryCredentials =
  | { username: string; password: string }
  /** A registry (bearer) token used as it is, or an identity token exchanged at the token endpoint. */
  | { identityToken: string }
  | { bearerToken: string };

export interface AuthChallenge {
  scheme: "basic" | "bearer";
  params: Record<string, string>;
}

/**
 * Parses one or more challenges. Parameters are `key=value` or `key="quoted value"` (with `\"` escapes);
 * unknown schemes are dropped.
 */
export function parseChallenges(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  const re = /\s*([A-Za-z][\w-]*)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?\s*,?/y;
  let current: AuthChallenge | undefined;
  let i = 0;
  while (i < header.length) {
    re.lastIndex = i;
    const m = re.exec(header);
    if (!m || m[0] === "") break;
    i = re.lastIndex;
    const [, word, raw] = m;
    if (raw === undefined) {
      const scheme = word!.toLowerCase();
      current = scheme === "basic" || scheme === "bearer" ? { scheme, params: {} } : undefined;
      if (current) out.push(current);
      continue;
    }
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
    if (current) current.params[word!.toLowerCase()] = value;
  }
  return out;
}

interface DockerConfigEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The entry of a docker config (`{"auths": {...}}`) for `host`; keys may carry a scheme or a path. */
export function credentialsFromDockerConfig(configJson: string, host: string): RegistryCredentials | undefined {
  let parsed: { auths?: Record<string, DockerConfigEntry> };
  try {
    parsed = JSON.parse(configJson);
  } catch (err) {
    throw new Error("Cannot read the docker config: it is not valid JSON", { cause: err });
  }
  const auths = parsed.auths ?? {};
  const wanted = normalizeHost(host);
  for (const [key, entry] of Object.entries(auths)) {
    if (normalizeHost(key) !== wanted) continue;
    if (entry.registrytoken) return { bearerToken: entry.registrytoken };
    if (entry.identitytoken) return { identityToken: entry.identitytoken };
    if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
    if (entry.auth) {
      const decoded = new TextDecoder().decode(base64Decode(entry.auth));
      const colon = decoded.indexOf(":");
      if (colon < 0) throw new Error(`Cannot read the docker config: the auth of "${key}" is not base64 of user:password`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}

/** `https://index.docker.io/v1/` -> `index.docker.io`; `docker.io` and `index.docker.io` are one registry. */
function normalizeHost(key: string): string {
  let h = key.replace(/^[a-z]+:\/\//i, "");
  h = h.split("/")[0]!.toLowerCase();
  return h === "docker.io" || h === "registry-1.docker.io" ? "index.docker.io" : h;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${base64Encode(new TextEncoder().encode(`${username}:${password}`))}`;
}
