/**
 * The tenants file of `rivulet run --tenants FILE`: which namespaces one host process serves and with
 * whose credentials. Parsing is pure (text in, entries out); every refusal names the file, the entry
 * (`tenants[i]`, with its namespace once known) and the field, so a platform team fixes it in one go.
 *
 *   apiVersion: rivulet.dev/v1alpha1
 *   kind: TenantList
 *   tenants:
 *     - namespace: team-a            # required, a DNS-1123 label, unique
 *       serviceAccount: rivulet      # the default: a token minted through the TokenRequest API
 *     - namespace: team-b
 *       kubeconfig: team-b.kubeconfig   # or the tenant's own kubeconfig
 *     - namespace: team-c
 *       tokenFile: /var/run/secrets/team-c/token   # or a token file (server and CA: the host's)
 *       concurrent: 2                # optional --concurrent for this tenant
 *
 * Relative kubeconfig and tokenFile paths are read from the tenants file's folder.
 */
import { parseDocuments } from "../yaml/parse.ts";
import { messageOf } from "../core/errors.ts";

export const DEFAULTS = {
  /** The ServiceAccount whose token is minted when an entry names no credentials (deploy/tenant/'s). */
  serviceAccount: "rivulet",
};

export const TENANTS_API_VERSION = "rivulet.dev/v1alpha1";

export type TenantCredentials = { kind: "serviceAccount"; name: string } | { kind: "kubeconfig"; path: string } | { kind: "tokenFile"; path: string };

export interface TenantEntry {
  namespace: string;
  credentials: TenantCredentials;
  /** This tenant's --concurrent; the host's when absent. */
  concurrent?: number;
}

const CREDENTIAL_FIELDS = ["serviceAccount", "kubeconfig", "tokenFile"] as const;
const FIELDS = new Set<string>(["namespace", "concurrent", ...CREDENTIAL_FIELDS]);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Parses the file's text; `file` names it in errors, `dir` resolves relative paths (default: none). */
export function parseTenantsFile(text: string, file: string, dir?: string): TenantEntry[] {
  const fail = (msg: string): never => {
    throw new Error(`Cannot use the tenants file ${file}: ${msg}`);
  };
  let docs: unknown[];
  try {
    docs = parseDocuments(text, file);
  } catch (err) {
    return fail(messageOf(err));
  }
  if (docs.length !== 1 || !isRecord(docs[0])) return fail(`it must hold one YAML mapping (apiVersion: ${TENANTS_API_VERSION}, kind: TenantList), not ${docs.length === 1 ? kindOfValue(docs[0]) : `${docs.length} documents`}`);
  const doc = docs[0];
  if (doc.apiVersion !== TENANTS_API_VERSION || doc.kind !== "TenantList") {
    return fail(`apiVersion and kind must be ${TENANTS_API_VERSION} and TenantList, not ${JSON.stringify(doc.apiVersion ?? "")} and ${JSON.stringify(doc.kind ?? "")}`);
  }
  if (!Array.isArray(doc.tenants)) return fail(`tenants must be a list, not ${kindOfValue(doc.tenants)}`);
  const seen = new Map<string, number>();
  return doc.tenants.map((raw, i): TenantEntry => {
    const where = (ns?: string) => `tenants[${i}]${ns ? ` (${ns})` : ""}`;
    if (!isRecord(raw)) return fail(`${where()} must be a mapping, not ${kindOfValue(raw)}`);
    const ns = raw.namespace;
    if (ns === undefined || ns === null || ns === "") return fail(`${where()}: namespace is required`);
    if (typeof ns !== "string" || ns.length > 63 || !DNS_LABEL.test(ns)) {
      return fail(`${where()}: namespace ${JSON.stringify(ns)} is not a DNS-1123 label (at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit)`);
    }
    const at = where(ns);
    const earlier = seen.get(ns);
    if (earlier !== undefined) return fail(`${at}: namespace ${ns} is already listed at tenants[${earlier}]`);
    seen.set(ns, i);
    const unknown = Object.keys(raw).filter((k) => !FIELDS.has(k));
    if (unknown.length) return fail(`${at}: unknown field ${unknown.map((k) => JSON.stringify(k)).join(", ")} (known: ${[...FIELDS].join(", ")})`);
    const given = CREDENTIAL_FIELDS.filter((k) => raw[k] !== undefined);
    if (given.length > 1) return fail(`${at}: give at most one of serviceAccount, kubeconfig and tokenFile, not ${given.join(" and ")}`);
    const entry: TenantEntry = { namespace: ns, credentials: credentialsOf(raw, given[0], at, dir, fail) };
    if (raw.concurrent !== undefined) {
      const n = raw.concurrent;
      if (typeof n !== "number" || !Number.isInteger(n) || n < 1) return fail(`${at}: concurrent must be a whole number of at least 1, not ${JSON.stringify(n)}`);
      entry.concurrent = n;
    }
    return entry;
  });
}

function credentialsOf(raw: Record<string, unknown>, field: (typeof CREDENTIAL_FIELDS)[number] | undefined, at: string, dir: string | undefined, fail: (m: string) => never): TenantCredentials {
  if (field === undefined) return { kind: "serviceAccount", name: DEFAULTS.serviceAccount };
  const value = raw[field];
  if (typeof value !== "string" || value === "") return fail(`${at}: ${field} must be a non-empty string, not ${JSON.stringify(value)}`);
  if (field === "serviceAccount") {
    if (value.length > 253 || !DNS_SUBDOMAIN.test(value)) return fail(`${at}: serviceAccount ${JSON.stringify(value)} is not a valid ServiceAccount name (a DNS-1123 subdomain)`);
    return { kind: "serviceAccount", name: value };
  }
  const path = dir && !value.startsWith("/") ? `${dir.replace(/\/$/, "")}/${value}` : value;
  return { kind: field, path };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function kindOfValue(v: unknown): string {
  return v === undefined || v === null ? "nothing" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a mapping" : `the ${typeof v} ${JSON.stringify(v)}`;
}
