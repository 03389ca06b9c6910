/**
 * Makes one of Flux's own CRDs installable on Kubernetes 1.20 (no CEL there): every
 * `x-kubernetes-validations` list is removed, wherever it sits in the schema. The API server of 1.20
 * would drop them anyway, but only with `--validate=false`, and server-side apply of such a CRD is
 * refused; this gives a CRD that both `create` and SSA accept. The rules live on as runtime checks in
 * validate().
 */
import { parseAllDocuments, stringify } from "yaml";

/** The same CRD object without any `x-kubernetes-validations` (a copy; the input is not changed). */
export function withoutCelRules<T>(crd: T): T {
  return strip(structuredClone(crd)) as T;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) {
    value.forEach(strip);
  } else if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    delete obj["x-kubernetes-validations"];
    for (const v of Object.values(obj)) strip(v);
  }
  return value;
}

/**
 * Converts CRD YAML text (one or more documents, e.g. a file from shared/flux-crds) into YAML text that
 * installs on Kubernetes 1.20. Document order and all other content are kept.
 */
export function toInstallableCrdYaml(text: string): string {
  const docs = parseAllDocuments(text);
  const out: string[] = [];
  for (const doc of docs) {
    if (doc.errors[0]) throw new Error(`Cannot parse the CRD YAML: ${doc.errors[0].message.split("\n")[0]}`, { cause: doc.errors[0] });
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    out.push(`---\n${stringify(withoutCelRules(value), { version: "1.1", lineWidth: 0, indentSeq: false })}`);
  }
  return out.join("");
}
