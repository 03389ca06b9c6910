/**
 * rivulet's API package: the Flux kinds it serves, their TypeScript types, validation and defaulting
 * with the API server's semantics, and the CustomResourceDefinitions generated from them (crds/).
 */
export { KINDS, findKind } from "./kinds.ts";
export { validate, applyDefaults } from "./validate.ts";
export type { FieldError, FieldErrorReason } from "./field-error.ts";
export type { KindDefinition, PrinterColumn, FluxObject } from "./kind.ts";
export { toCrd, renderCrd, generateCrdFiles, crdFileName, type CustomResourceDefinition } from "./crd.ts";
export { toInstallableCrdYaml, withoutCelRules } from "./flux-crd.ts";
export { compareSchemas } from "./schema-compat.ts";
export { s, type Infer, type Schema } from "./schema.ts";
export type { Artifact, Condition, LocalObjectReference, SecretKeyReference, CrossNamespaceObjectReference, ObjectMeta } from "./common.ts";
export type { GitRepository, GitRepositorySpec, GitRepositoryStatus } from "./git-repository.ts";
export type { OCIRepository, OCIRepositorySpec, OCIRepositoryStatus } from "./oci-repository.ts";
export type { Bucket, BucketSpec, BucketStatus } from "./bucket.ts";
export type { Kustomization, KustomizationSpec, KustomizationStatus } from "./kustomization.ts";
export type { Alert, AlertSpec } from "./alert.ts";
export type { Provider, ProviderSpec } from "./provider.ts";
export type { Receiver, ReceiverSpec, ReceiverStatus } from "./receiver.ts";
export { gitRepositoryKind } from "./git-repository.ts";
export { ociRepositoryKind } from "./oci-repository.ts";
export { bucketKind } from "./bucket.ts";
export { kustomizationKind } from "./kustomization.ts";
export { alertKind } from "./alert.ts";
export { providerKind } from "./provider.ts";
export { receiverKind } from "./receiver.ts";
