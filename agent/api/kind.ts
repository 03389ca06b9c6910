/**
 * What rivulet knows about one served API kind: its names (group, version, plural, short names,
 * categories), how kubectl prints it, and the schema of the whole object. crd.ts turns one into a
 * CustomResourceDefinition; validate.ts finds one by apiVersion and kind.
 */
import { s, type Schema, type Infer } from "./schema.ts";
import { objectMeta, STATUS_DEFAULT } from "./common.ts";

export interface PrinterColumn {
  readonly name: string;
  readonly type: "string" | "integer" | "number" | "boolean" | "date";
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

/** kubectl columns every reconciled Flux kind shows. */
export const READY_COLUMNS: readonly PrinterColumn[] = [
  { jsonPath: '.status.conditions[?(@.type=="Ready")].status', name: "Ready", type: "string" },
  { jsonPath: '.status.conditions[?(@.type=="Ready")].message', name: "Status", type: "string" },
];
export const AGE_COLUMN: PrinterColumn = { jsonPath: ".metadata.creationTimestamp", name: "Age", type: "date" };

export interface KindNames {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly namespaced: boolean;
  readonly printerColumns: readonly PrinterColumn[];
  readonly description: string;
}

/** One of Flux's API group versions, with the kubectl categories every kind in it joins. */
export interface FluxApi {
  readonly group: string;
  readonly version: string;
  readonly categories: readonly string[];
}

export const SOURCE_V1: FluxApi = { group: "source.toolkit.fluxcd.io", version: "v1", categories: ["all", "fluxcd", "fluxcd-sources"] };
export const KUSTOMIZE_V1: FluxApi = { group: "kustomize.toolkit.fluxcd.io", version: "v1", categories: ["all", "fluxcd", "fluxcd-appliers"] };
export const HELM_V2: FluxApi = { group: "helm.toolkit.fluxcd.io", version: "v2", categories: ["all", "fluxcd", "fluxcd-appliers"] };
export const IMAGE_V1: FluxApi = { group: "image.toolkit.fluxcd.io", version: "v1", categories: ["all", "fluxcd", "fluxcd-images"] };
const NOTIFICATION = { group: "notification.toolkit.fluxcd.io", categories: ["all", "fluxcd", "fluxcd-notifications"] };
export const NOTIFICATION_V1: FluxApi = { ...NOTIFICATION, version: "v1" };
export const NOTIFICATION_V1BETA3: FluxApi = { ...NOTIFICATION, version: "v1beta3" };

/**
 * What a kind says about itself beyond its API group: the rest of KindNames follows Flux's conventions
 * (singular is the lowercased kind, every Flux kind is namespaced, no short names unless given).
 */
export type KindOwnNames = Pick<KindNames, "kind" | "plural" | "printerColumns" | "description"> & Partial<Pick<KindNames, "shortNames">>;

export interface KindDefinition<T = unknown> extends KindNames {
  readonly apiVersion: string;
  readonly listKind: string;
  /** Whether `status` is a subresource (Flux's Alert and Provider have no status at all). */
  readonly statusSubresource: boolean;
  /** The whole object: apiVersion, kind, metadata, spec and (where the kind has one) status. */
  readonly schema: Schema<T>;
}

/** The object type of a kind with the given spec and status types. */
export interface FluxObject<Spec, Status = never> {
  apiVersion?: string;
  kind?: string;
  metadata: Infer<typeof objectMeta>;
  spec: Spec;
  status?: Status;
}

const apiVersionField = s.optional(s.string({ description: "Versioned schema of this representation of the object." }));
const kindField = s.optional(s.string({ description: "REST resource this object represents, in CamelCase." }));

/**
 * Assembles a kind. `spec` and `metadata` are required in the TypeScript type and in validate(), because
 * the agent cannot act on an object without them; crd.ts drops the root `required` list so the CRD
 * accepts what Flux's CRDs accept.
 */
export function defineKind<Spec, Status = never>(
  api: FluxApi,
  own: KindOwnNames,
  spec: Schema<Spec>,
  status?: Schema<Status>,
): KindDefinition<FluxObject<Spec, Status>> {
  const names: KindNames = {
    group: api.group,
    version: api.version,
    kind: own.kind,
    plural: own.plural,
    singular: own.kind.toLowerCase(),
    shortNames: own.shortNames ?? [],
    categories: api.categories,
    namespaced: true,
    printerColumns: own.printerColumns,
    description: own.description,
  };
  const shape = {
    apiVersion: apiVersionField,
    kind: kindField,
    metadata: objectMeta,
    spec,
    ...(status ? { status: s.optional(s.withDefault(status, STATUS_DEFAULT as Status)) } : {}),
  };
  const schema = s.object(shape, { description: names.description }) as unknown as Schema<FluxObject<Spec, Status>>;
  return {
    ...names,
    apiVersion: `${names.group}/${names.version}`,
    listKind: `${names.kind}List`,
    statusSubresource: status !== undefined,
    schema,
  };
}
