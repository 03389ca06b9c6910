/**
 * A tiny schema builder: the single source of truth for rivulet's API types. One definition gives
 * (a) the static TypeScript type (`Infer<typeof schema>`), (b) runtime validation (schema-validate.ts),
 * (c) API-server-style defaulting (schema-defaults.ts) and (d) the OpenAPI v3 schema of a CRD (openapi.ts).
 *
 * Limits: it models the structural-schema subset CRDs use (no oneOf/anyOf/allOf/not, no $ref). Object
 * properties are required unless wrapped in `s.optional`. CEL rules (`x-kubernetes-validations`) are kept
 * as TypeScript predicates plus their CEL text for reference; they are checked at run time by validate()
 * and never emitted, so the generated CRDs install on Kubernetes 1.20, which has no CEL.
 */
import type { FieldError } from "./field-error.ts";

/** A rule Flux expresses in CEL, reproduced as a predicate over the (defaulted) object it sits on. */
export interface Rule {
  /** The CEL text of the upstream rule, kept so readers can compare intent. */
  readonly cel: string;
  readonly message: string;
  readonly holds: (self: Record<string, unknown>) => boolean;
}

interface Common {
  readonly description?: string;
  readonly default?: unknown;
  readonly nullable?: boolean;
}

export interface StringNode extends Common {
  readonly type: "string";
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly format?: "date-time";
  readonly minLength?: number;
  readonly maxLength?: number;
}
export interface IntegerNode extends Common {
  readonly type: "integer";
  readonly format?: "int32" | "int64";
  readonly minimum?: number;
  readonly maximum?: number;
}
export interface NumberNode extends Common {
  readonly type: "number";
  readonly minimum?: number;
  readonly maximum?: number;
}
export interface BooleanNode extends Common {
  readonly type: "boolean";
}
export interface ArrayNode extends Common {
  readonly type: "array";
  readonly items: Node;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly listType?: "atomic" | "set" | "map";
  readonly listMapKeys?: readonly string[];
}
export interface ObjectNode extends Common {
  readonly type: "object";
  readonly properties: Readonly<Record<string, Node>>;
  readonly required: readonly string[];
  readonly rules: readonly Rule[];
  /** Extra checks the API server applies outside the schema (e.g. object metadata); not emitted. */
  readonly check?: (value: Record<string, unknown>, path: string) => FieldError[];
  /** Emit only `type: object` (the API server validates `metadata` itself). */
  readonly opaque?: boolean;
  /** `x-kubernetes-map-type`: "atomic" makes server-side apply own the object as one value (label selectors). */
  readonly mapType?: "atomic" | "granular";
}
export interface MapNode extends Common {
  readonly type: "map";
  readonly values: Node;
}
/** Arbitrary JSON object kept as-is (`x-kubernetes-preserve-unknown-fields`). */
export interface UnknownObjectNode extends Common {
  readonly type: "unknown-object";
}
/** Any JSON value kept as-is, with no type (`x-kubernetes-preserve-unknown-fields` alone), as HelmRelease values. */
export interface AnyJsonNode extends Common {
  readonly type: "any-json";
}
/** `x-kubernetes-int-or-string`. */
export interface IntOrStringNode extends Common {
  readonly type: "int-or-string";
}

export type Node =
  | StringNode
  | IntegerNode
  | NumberNode
  | BooleanNode
  | ArrayNode
  | ObjectNode
  | MapNode
  | UnknownObjectNode
  | AnyJsonNode
  | IntOrStringNode;

/** A schema for values of type T. The phantom `__type` carries T for inference only. */
export interface Schema<T> {
  readonly node: Node;
  readonly __type?: () => T;
}
/** A schema for an object property that may be absent. */
export interface OptionalSchema<T> extends Schema<T> {
  readonly optional: true;
}

export type Infer<S> = S extends { readonly __type?: () => infer T } ? T : never;

type AnySchema = Schema<unknown>;
export type Shape = Record<string, AnySchema>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? never : K }[keyof S];
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
export type InferShape<S extends Shape> = Simplify<
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

type Opts<N> = Omit<N, "type" | "properties" | "required" | "rules" | "items" | "values" | "enum">;
interface ObjectOpts extends Common {
  readonly rules?: readonly Rule[];
  readonly check?: ObjectNode["check"];
  readonly opaque?: boolean;
  readonly mapType?: ObjectNode["mapType"];
}

const make = <T>(node: Node): Schema<T> => ({ node });

/** The builder. Every function returns a fresh node; nodes are plain data and never mutated. */
export const s = {
  string: (opts: Opts<StringNode> = {}): Schema<string> => make({ type: "string", ...opts }),
  enum: <const V extends readonly string[]>(values: V, opts: Opts<StringNode> = {}): Schema<V[number]> =>
    make({ type: "string", enum: values, ...opts }),
  integer: (opts: Opts<IntegerNode> = {}): Schema<number> => make({ type: "integer", ...opts }),
  number: (opts: Opts<NumberNode> = {}): Schema<number> => make({ type: "number", ...opts }),
  boolean: (opts: Opts<BooleanNode> = {}): Schema<boolean> => make({ type: "boolean", ...opts }),
  array: <I extends AnySchema>(items: I, opts: Opts<ArrayNode> = {}): Schema<Infer<I>[]> =>
    make({ type: "array", items: items.node, ...opts }),
  map: <V extends AnySchema>(values: V, opts: Opts<MapNode> = {}): Schema<Record<string, Infer<V>>> =>
    make({ type: "map", values: values.node, ...opts }),
  object: <S extends Shape>(shape: S, opts: ObjectOpts = {}): Schema<InferShape<S>> => {
    const properties: Record<string, Node> = {};
    const required: string[] = [];
    for (const [key, schema] of Object.entries(shape)) {
      properties[key] = schema.node;
      if (!("optional" in schema && schema.optional)) required.push(key);
    }
    const { rules = [], ...rest } = opts;
    return make({ type: "object", properties, required, rules, ...rest });
  },
  unknownObject: (opts: Opts<UnknownObjectNode> = {}): Schema<Record<string, unknown>> =>
    make({ type: "unknown-object", ...opts }),
  anyJson: (opts: Opts<AnyJsonNode> = {}): Schema<unknown> => make({ type: "any-json", ...opts }),
  intOrString: (opts: Opts<IntOrStringNode> = {}): Schema<number | string> => make({ type: "int-or-string", ...opts }),
  optional: <T>(schema: Schema<T>): OptionalSchema<T> => ({ node: schema.node, optional: true }),
  /** The same schema with another description (shared sub-schemas read differently per field). */
  describe: <T>(schema: Schema<T>, description: string): Schema<T> => make({ ...schema.node, description }),
  /** The same schema with a default value, applied by applyDefaults() like the API server does. */
  withDefault: <T>(schema: Schema<T>, value: T): Schema<T> => make({ ...schema.node, default: value }),
};

/** Go duration as Flux's CRDs accept it, e.g. `5m`, `1h30m`, `500ms`. */
export const DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";
/** Flux timeouts do not accept hours. */
export const TIMEOUT_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m))+$";
