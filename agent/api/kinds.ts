/**
 * The table of every API kind rivulet serves, with lookup by apiVersion and kind. Adding a kind means
 * adding its definition here; crds/ and validate() follow.
 */
import type { KindDefinition } from "./kind.ts";
import { gitRepositoryKind } from "./git-repository.ts";
import { ociRepositoryKind } from "./oci-repository.ts";
import { bucketKind } from "./bucket.ts";
import { helmRepositoryKind } from "./helm-repository.ts";
import { helmChartKind } from "./helm-chart.ts";
import { kustomizationKind } from "./kustomization.ts";
import { helmReleaseKind } from "./helm-release.ts";
import { alertKind } from "./alert.ts";
import { providerKind } from "./provider.ts";
import { receiverKind } from "./receiver.ts";
import { imageRepositoryKind } from "./image-repository.ts";
import { imagePolicyKind } from "./image-policy.ts";
import { imageUpdateAutomationKind } from "./image-update-automation.ts";

export const KINDS: readonly KindDefinition[] = [
  gitRepositoryKind,
  ociRepositoryKind,
  bucketKind,
  helmRepositoryKind,
  helmChartKind,
  kustomizationKind,
  helmReleaseKind,
  alertKind,
  providerKind,
  receiverKind,
  imageRepositoryKind,
  imagePolicyKind,
  imageUpdateAutomationKind,
] as KindDefinition[];

const byKey = new Map(KINDS.map((k) => [`${k.apiVersion}|${k.kind}`, k]));

/** The served kind for `apiVersion` + `kind`, or undefined for anything rivulet does not serve. */
export function findKind(apiVersion: string, kind: string): KindDefinition | undefined {
  return byKey.get(`${apiVersion}|${kind}`);
}
