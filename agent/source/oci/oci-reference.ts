/**
 * Parses `oci://host[:port]/repository[:tag][@sha256:<hex>]` addresses, the form of OCIRepository's
 * `spec.url` (without tag or digest) and of the CLI's arguments (with one). Names follow the distribution
 * grammar: lowercase path components separated by `.`, `_`, `__` or dashes; tags are `[\w][\w.-]{0,127}`.
 */

export interface OciReference {
  /** `host[:port]`, as written. */
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

export function parseOciReference(url: string): OciReference {
  const fail = (why: string) => new Error(`Cannot parse the OCI address "${url}": ${why}`);
  if (!url.startsWith("oci://")) throw fail("it must start with oci://");
  let rest = url.slice("oci://".length);
  const slash = rest.indexOf("/");
  if (slash <= 0) throw fail("expected oci://host/repository");
  const host = rest.slice(0, slash);
  if (!HOST.test(host)) throw fail(`"${host}" is not a valid registry host`);
  rest = rest.slice(slash + 1);
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw fail(`"${digest}" is not a sha256:<64 hex> digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw fail(`"${tag}" is not a valid tag`);
  }
  if (rest === "" || !rest.split("/").every((c) => COMPONENT.test(c))) {
    throw fail(`"${rest}" is not a valid repository name (lowercase letters, digits, separators . _ __ -)`);
  }
  return { host, repository: rest, tag, digest };
}

export function formatOciReference(ref: OciReference): string {
  return `oci://${ref.host}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}
