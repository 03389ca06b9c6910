/**
 * Turns a kind definition into its apiextensions.k8s.io/v1 CustomResourceDefinition, and renders CRDs
 * as YAML with a deterministic key order (sorted, as controller-gen writes them), so crds/ can be
 * regenerated and compared byte for byte.
 *
 * Limits: one served version per kind (the storage version); no conversion webhook. No
 * x-kubernetes-validations are emitted, so the CRDs install on Kubernetes 1.20 (no CEL there); the
 * rules run in validate() instead.
 */
import { stringify } from "yaml";
import type { KindDefinition } from "./kind.ts";
import { toOpenAPI, type JsonSchema } from "./openapi.ts";

export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories?: string[];
    };
    scope: "Namespaced" | "Cluster";
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      additionalPrinterColumns?: Array<Record<string, unknown>>;
      schema: { openAPIV3Schema: JsonSchema };
      subresources: { status?: Record<string, never> };
    }>;
  };
}

export function toCrd(def: KindDefinition): CustomResourceDefinition {
  const schema = toOpenAPI(def.schema.node);
  // The API server accepts objects without spec; Flux's CRDs require nothing at the root, so neither do ours.
  delete schema.required;
  const names: CustomResourceDefinition["spec"]["names"] = {
    kind: def.kind,
    listKind: def.listKind,
    plural: def.plural,
    singular: def.singular,
  };
  if (def.shortNames.length > 0) names.shortNames = [...def.shortNames];
  if (def.categories.length > 0) names.categories = [...def.categories];
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${def.plural}.${def.group}`,
      // Keeps Flux's post-build substitution away from the schema text when these CRDs are deployed by Flux.
      annotations: { "kustomize.toolkit.fluxcd.io/substitute": "disabled" },
    },
    spec: {
      group: def.group,
      names,
      scope: def.namespaced ? "Namespaced" : "Cluster",
      versions: [
        {
          name: def.version,
          served: true,
          storage: true,
          ...(def.printerColumns.length > 0
            ? { additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })) }
            : {}),
          schema: { openAPIV3Schema: schema },
          subresources: def.statusSubresource ? { status: {} } : {},
        },
      ],
    },
  };
}

/** File name Flux uses for the same CRD: `<group>_<plural>.yaml`. */
export const crdFileName = (def: KindDefinition): string => `${def.group}_${def.plural}.yaml`;

export function renderCrd(crd: CustomResourceDefinition): string {
  const text = stringify(sortKeys(crd), { version: "1.1", lineWidth: 0, indentSeq: false });
  return `---\n${text}`;
}

/** Every CRD file for the given kinds, in a stable order. */
export function generateCrdFiles(kinds: readonly KindDefinition[]): Array<{ name: string; text: string }> {
  return kinds
    .map((def) => ({ name: crdFileName(def), text: renderCrd(toCrd(def)) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
