/**
 * Schemas shared by several Flux kinds: object references, durations, the source Artifact, the
 * Kubernetes Condition, object metadata and the status fields every reconciled kind carries.
 * Field names, patterns, enums and bounds follow Flux's CRDs (shared/flux-crds); descriptions are ours.
 */
import { s, DURATION_PATTERN, TIMEOUT_PATTERN, type Infer, type Shape } from "./schema.ts";
import { childPath, fieldError, type FieldError } from "./field-error.ts";

export const duration = (description: string) => s.string({ description, pattern: DURATION_PATTERN });
export const timeout = (description: string, defaultValue?: string) =>
  s.string({ description, pattern: TIMEOUT_PATTERN, ...(defaultValue === undefined ? {} : { default: defaultValue }) });

/** `{name}` of an object in the referrer's own namespace. */
export const localObjectReference = (description: string) =>
  s.object({ name: s.string({ description: "Name of the object, in the same namespace." }) }, { description });
export type LocalObjectReference = Infer<ReturnType<typeof localObjectReference>>;

/** `{name, key?}` of a Secret in the referrer's namespace. */
export const secretKeyReference = (description: string) =>
  s.object(
    {
      key: s.optional(s.string({ description: "Key in the Secret; when empty, a default key is used." })),
      name: s.string({ description: "Name of the Secret, in the same namespace." }),
    },
    { description },
  );
export type SecretKeyReference = Infer<ReturnType<typeof secretKeyReference>>;

/** Kinds an Alert or a Receiver may refer to (Flux's list, including kinds rivulet does not serve). */
export const FLUX_OBJECT_KINDS = [
  "Bucket",
  "GitRepository",
  "Kustomization",
  "HelmRelease",
  "HelmChart",
  "HelmRepository",
  "ImageRepository",
  "ImagePolicy",
  "ImageUpdateAutomation",
  "OCIRepository",
  "ArtifactGenerator",
  "ExternalArtifact",
] as const;

/**
 * A Flux object in any namespace, by name or `*` plus optional labels (Alert sources, Receiver targets).
 * `extra` adds kind-specific fields (the Receiver's `filter`).
 */
export const crossNamespaceObjectReference = <E extends Shape = {}>(description: string, extra?: E) =>
  s.object(
    {
      ...(extra as E),
      apiVersion: s.optional(s.string({ description: "API version of the referent." })),
      kind: s.enum(FLUX_OBJECT_KINDS, { description: "Kind of the referent." }),
      matchLabels: s.optional(
        s.map(s.string(), { description: "Labels the referents must carry; used when name is '*'." }),
      ),
      name: s.string({ description: "Name of the referent, or '*' for all.", minLength: 1, maxLength: 253 }),
      namespace: s.optional(
        s.string({ description: "Namespace of the referent; defaults to the referrer's.", minLength: 1, maxLength: 253 }),
      ),
    },
    { description },
  );
export type CrossNamespaceObjectReference = Infer<ReturnType<typeof crossNamespaceObjectReference>>;

/** spec.suspend of the kinds the agent reconciles (the notification kinds word theirs for what they stop). */
export const suspendField = s.optional(s.boolean({ description: "Stop reconciling this object." }));
/** spec.ignore of the source kinds. */
export const sourceIgnoreField = s.optional(
  s.string({ description: "Exclusion patterns in .sourceignore (gitignore) format; replace the defaults." }),
);
/** spec.proxySecretRef where the kind says nothing more about the Secret's keys. */
/** Flux's deprecated cross-namespace ACL; kept in the schema so Flux objects validate, never acted on. */
export const accessFromField = s.optional(
  s.object(
    {
      namespaceSelectors: s.array(
        s.object(
          { matchLabels: s.optional(s.map(s.string(), { description: "Labels a namespace must carry." })) },
          { description: "Namespaces this entry admits; an empty selector admits all." },
        ),
        { description: "Namespace selectors, any one of which admits a namespace." },
      ),
    },
    { description: "Deprecated and not implemented by Flux: who may refer to this object from other namespaces." },
  ),
);

export const proxySecretRefField = s.optional(localObjectReference("Secret with the proxy address and credentials."));

/**
 * `spec.verify` of the OCI-based sources (OCIRepository, HelmChart): cosign or notation, keys from a
 * Secret or keyless identities; `extra` adds what only one kind has.
 */
export const ociVerification = <E extends Shape = {}>(description: string, extra?: E) =>
  s.optional(
    s.object(
      {
        matchOIDCIdentity: s.optional(
          s.array(
            s.object({
              issuer: s.string({ description: "Regular expression for the OIDC issuer." }),
              subject: s.string({ description: "Regular expression for the identity subject." }),
            }),
            { description: "Keyless identities accepted; any one match suffices." },
          ),
        ),
        provider: s.enum(["cosign", "notation"], { description: "Signature format to verify.", default: "cosign" }),
        secretRef: s.optional(localObjectReference("Secret with trusted public keys.")),
        ...((extra ?? {}) as E),
      },
      { description },
    ),
  );

/** Digest in the form `<algorithm>:<encoded>`, e.g. `sha256:1f2e...`. */
export const DIGEST_PATTERN = "^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$";

export const artifact = (description: string) =>
  s.object(
    {
      digest: s.string({ description: "Digest of the file, '<algorithm>:<checksum>'.", pattern: DIGEST_PATTERN }),
      lastUpdateTime: s.string({ description: "When the artifact last changed.", format: "date-time" }),
      metadata: s.optional(s.map(s.string(), { description: "Upstream metadata such as OCI annotations." })),
      path: s.string({ description: "File path relative to the artifact storage root." }),
      revision: s.string({ description: "Revision in the origin system, e.g. 'main@sha1:<hex>'." }),
      size: s.optional(s.integer({ description: "Size of the file in bytes.", format: "int64" })),
      url: s.string({ description: "HTTP address the artifact can be fetched from." }),
    },
    { description },
  );
export type Artifact = Infer<ReturnType<typeof artifact>>;

/** metav1.Condition, with the bounds the API server enforces on it. */
export const condition = s.object(
  {
    lastTransitionTime: s.string({ description: "When the status last changed.", format: "date-time" }),
    message: s.string({ description: "Human-readable details; may be empty.", maxLength: 32768 }),
    observedGeneration: s.optional(
      s.integer({ description: "The .metadata.generation this condition was computed for.", format: "int64", minimum: 0 }),
    ),
    reason: s.string({
      description: "Programmatic CamelCase identifier of the last transition.",
      maxLength: 1024,
      minLength: 1,
      pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
    }),
    status: s.enum(["True", "False", "Unknown"], { description: "One of True, False, Unknown." }),
    type: s.string({
      description: "Condition type in CamelCase or foo.example.com/CamelCase.",
      maxLength: 316,
      pattern: "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
    }),
  },
  { description: "One aspect of the object's current state." },
);
export type Condition = Infer<typeof condition>;

export const conditions = (description: string) => s.array(condition, { description });
export const observedGeneration = (description = "The last generation the controller acted on.") =>
  s.integer({ description, format: "int64" });
export const lastHandledReconcileAt = s.string({
  description: "The last reconcile.fluxcd.io/requestedAt annotation value that was acted on.",
});
/**
 * The same shape with its properties in alphabetical order, the order Flux's CRDs (and ours) list them,
 * so a builder that adds shared fields does not move them to the front of validation errors or defaults.
 */
export function alphabetical<S extends Shape>(shape: S): S {
  return Object.fromEntries(Object.entries(shape).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as S;
}

/** "a Bucket", "an OCIRepository": how descriptions name one object of a kind. */
export const aKind = (kind: string) => `${/^[AEIOU]/.test(kind) ? "an" : "a"} ${kind}`;

/**
 * The status of a reconciled kind: conditions, lastHandledReconcileAt and observedGeneration, which
 * every such kind carries (kstatus and `rivulet reconcile` read them), plus the kind's own fields.
 */
export const reconciledStatus = <E extends Shape>(kind: string, own: E) =>
  s.object(
    alphabetical({
      conditions: s.optional(conditions(`Conditions of the ${kind}.`)),
      lastHandledReconcileAt: s.optional(lastHandledReconcileAt),
      observedGeneration: s.optional(observedGeneration()),
      ...own,
    }),
    { description: `Observed state of ${aKind(kind)}.` },
  );

/** The status of a source kind: a reconciled status with the artifact and the ignore rules it was made with. */
export const sourceStatus = <E extends Shape>(kind: string, own: E) =>
  reconciledStatus(kind, {
    artifact: s.optional(artifact("The artifact of the last successful reconciliation.")),
    observedIgnore: s.optional(s.string({ description: "Exclusion patterns used for the current artifact." })),
    ...own,
  });

/** Every reconciled Flux kind starts life with this status, so kstatus sees it as not yet observed. */
export const STATUS_DEFAULT = { observedGeneration: -1 };

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The parts of ObjectMeta the API server checks on every custom resource. */
function checkObjectMeta(meta: Record<string, unknown>, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const { name, generateName, namespace } = meta;
  if (name === undefined && generateName === undefined) {
    errors.push(fieldError.invalid(childPath(path, "name"), "", "name or generateName is required"));
  }
  if (name !== undefined) {
    if (typeof name !== "string") errors.push(fieldError.type(childPath(path, "name"), "string", name));
    else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
      errors.push(fieldError.invalid(childPath(path, "name"), name, "must be a lowercase RFC 1123 subdomain of at most 253 characters"));
    }
  }
  if (namespace !== undefined) {
    if (typeof namespace !== "string") errors.push(fieldError.type(childPath(path, "namespace"), "string", namespace));
    else if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) {
      errors.push(fieldError.invalid(childPath(path, "namespace"), namespace, "must be a lowercase RFC 1123 label of at most 63 characters"));
    }
  }
  for (const key of ["labels", "annotations"]) {
    const map = meta[key];
    if (map === undefined || map === null) continue;
    if (typeof map !== "object" || Array.isArray(map)) {
      errors.push(fieldError.type(childPath(path, key), "object", map));
      continue;
    }
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== "string") errors.push(fieldError.type(childPath(childPath(path, key), k), "string", v));
    }
  }
  return errors;
}

/** Kubernetes ObjectMeta: emitted as a bare `type: object`; the API server owns its schema. */
export const objectMeta = s.object(
  {
    name: s.optional(s.string()),
    generateName: s.optional(s.string()),
    namespace: s.optional(s.string()),
    labels: s.optional(s.map(s.string())),
    annotations: s.optional(s.map(s.string())),
    uid: s.optional(s.string()),
    resourceVersion: s.optional(s.string()),
    generation: s.optional(s.integer()),
    creationTimestamp: s.optional(s.string()),
    deletionTimestamp: s.optional(s.string()),
    finalizers: s.optional(s.array(s.string())),
  },
  { opaque: true, check: checkObjectMeta },
);
export type ObjectMeta = Infer<typeof objectMeta>;
