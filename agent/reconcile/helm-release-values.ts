/**
 * The values a HelmRelease gives its chart, composed as helm-controller does (fluxcd/pkg chartutil
 * ChartValuesFromReferences, read, not copied): each `valuesFrom` entry in order, a YAML map merged over
 * what came before, or with `targetPath` one value set at that path in Helm's `--set` syntax (quoted
 * values as `--set-string`, `literal` as `--set-literal`); then the inline `values` merged over all.
 *
 * The targetPath precedence rule follows from how Flux builds the map, reproduced here: before a
 * targetPath entry is set, the inline values are merged into the result, sharing (not copying) the maps
 * and lists they hold, so the value set at the path lands in the inline values too and survives the final
 * merge. A path the inline values do not reach can still be overridden by them when an earlier entry
 * made that map, exactly as in Flux.
 *
 * Inline values that are not a map are ignored, as helm-controller's GetValues ignores them.
 * Objects are read through a port, once per kind and name. A missing object or key fails the
 * composition, naming kind, namespace/name and key, unless the entry is `optional`. Nothing read from
 * a Secret ever appears in an error: its parse and `--set` errors are replaced by their category.
 */
import type { Values } from "../helm/chart.ts";
import { parseHelmYaml, mergeMaps } from "../helm/values-yaml.ts";
import { parseSet, parseSetString } from "../helm/strvals.ts";
import type { HelmReleaseSpec } from "../api/helm-release.ts";

export type ValuesReference = NonNullable<HelmReleaseSpec["valuesFrom"]>[number];

/** The data of a ConfigMap or Secret (Secret values already decoded to text), or undefined when it does not exist. */
export type ReadValuesObject = (kind: "ConfigMap" | "Secret", name: string) => Promise<Record<string, string> | undefined>;

export const DEFAULT_VALUES_KEY = "values.yaml";

/** Why a values reference could not be used; the wording is Flux's. */
export type ValuesReferenceReason = "resource not found" | "key not found" | "failed to read values data" | "failed to merge value";

export class ValuesReferenceError extends Error {
  constructor(
    readonly ref: ValuesReference,
    readonly namespace: string,
    readonly reason: ValuesReferenceReason,
    detail?: string,
  ) {
    super(
      `could not resolve${ref.optional ? " optional" : ""} ${ref.kind} chart values reference '${namespace}/${ref.name}' with key '${ref.valuesKey || DEFAULT_VALUES_KEY}': ${detail ?? reason}`,
    );
    this.name = "ValuesReferenceError";
  }
}

/** The composed values of a HelmRelease in `namespace`; the inputs are not changed. */
export async function composeValues(
  spec: Pick<HelmReleaseSpec, "values" | "valuesFrom">,
  namespace: string,
  read: ReadValuesObject,
): Promise<Values> {
  // Flux mutates the maps its inline values hold (see the module comment); work on a copy.
  const inline = isMap(spec.values) ? structuredClone(spec.values) : {};
  const objects = new Map<string, Promise<Record<string, string> | undefined>>();
  let result: Values = {};
  for (const ref of spec.valuesFrom ?? []) {
    const id = `${ref.kind}/${ref.name}`;
    if (!objects.has(id)) objects.set(id, read(ref.kind, ref.name));
    const data = await objects.get(id)!;
    const key = ref.valuesKey || DEFAULT_VALUES_KEY;
    if (data === undefined || !Object.prototype.hasOwnProperty.call(data, key)) {
      if (ref.optional) continue;
      throw new ValuesReferenceError(ref, namespace, data === undefined ? "resource not found" : "key not found");
    }
    const text = data[key]!;
    const secret = ref.kind === "Secret";
    if (ref.targetPath) {
      result = mergeMaps(result, inline);
      try {
        setAtPath(result, ref.targetPath, text, ref.literal === true);
      } catch (err) {
        throw new ValuesReferenceError(ref, namespace, "failed to merge value", secret ? undefined : `failed to merge value: ${(err as Error).message}`);
      }
      continue;
    }
    let doc: unknown;
    try {
      doc = parseHelmYaml(text, key);
    } catch (err) {
      throw new ValuesReferenceError(ref, namespace, "failed to read values data", secret ? undefined : `failed to read values data: ${(err as Error).message}`);
    }
    if (doc !== undefined && doc !== null && !isMap(doc)) {
      throw new ValuesReferenceError(ref, namespace, "failed to read values data", "failed to read values data: the document is not a map");
    }
    result = mergeMaps(result, (doc as Values | null | undefined) ?? {});
  }
  return mergeMaps(result, inline);
}

/**
 * Sets one value at `path`: a value in single or double quotes is set as a string without its quotes
 * (every leading and trailing quote is dropped, as Flux's Trim does), anything else is typed as `--set`
 * types it; `literal` sets the text verbatim, with `\.` escapes still honoured in the path.
 */
function setAtPath(values: Values, path: string, value: string, literal: boolean): void {
  if (literal) {
    parseSetString(`${path}=${value.replace(/[\\,[\]{}]/g, (c) => `\\${c}`)}`, values);
    return;
  }
  const quoted = (q: string) => value.startsWith(q) && value.endsWith(q);
  if (quoted("'") || quoted('"')) {
    parseSetString(`${path}=${value.replace(/^['"]+|['"]+$/g, "")}`, values);
    return;
  }
  parseSet(`${path}=${value}`, values);
}

function isMap(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
