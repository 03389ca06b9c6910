/**
 * postBuild.substituteFrom: the ConfigMaps and Secrets a Kustomization's variables come from, read with
 * the Kustomization's own client, in order (later entries win in the build). A missing optional one is
 * skipped; any other miss fails the build, naming what to create.
 */
import { TransientError, messageOf } from "../core/errors.ts";
import type { KubeClient } from "../kube/client.ts";
import { readSecret } from "../kube/secret.ts";
import type { FluxKustomizationSpec } from "../kustomize/flux-overlay.ts";

export async function readSubstituteFrom(client: KubeClient, spec: Pick<FluxKustomizationSpec, "postBuild">, ns: string, self: string): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  for (const ref of spec.postBuild?.substituteFrom ?? []) {
    if (ref.kind === "Secret") {
      try {
        out.push(await readSecret(client, ns, ref.name, self));
      } catch (err) {
        if (ref.optional) continue;
        throw new TransientError("BuildFailed", `${self}: substituteFrom: ${messageOf(err)}`);
      }
    } else {
      const cm = await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: ref.name });
      if (!cm) {
        if (ref.optional) continue;
        throw new TransientError("BuildFailed", `${self}: substituteFrom: ConfigMap/${ns}/${ref.name} not found: create it or mark the reference optional`);
      }
      out.push({ ...((cm.data as Record<string, string> | undefined) ?? {}) });
    }
  }
  return out;
}
