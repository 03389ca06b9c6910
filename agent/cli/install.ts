/**
 * `rivulet install`, `rivulet install crds`, `rivulet uninstall` and `rivulet check`: put the agent in one
 * tenant namespace with namespace-admin rights only, take it out again, and say beforehand what is
 * missing. The objects come from agent/install/ (deploy/tenant/ plus the Deployment, Service and
 * storage); the CRDs, which need a cluster admin, come from agent/api/ as `npm run gen:crds` writes them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pkg from "../../package.json" with { type: "json" };
import { type CliIO, type Command, UsageError } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient } from "./cluster-flags.ts";
import { KINDS } from "../api/kinds.ts";
import { generateCrdFiles } from "../api/crd.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { parseDocuments } from "../yaml/parse.ts";
import type { KubeObject } from "../kube/types.ts";
import type { KubeClient } from "../kube/client.ts";
import { describePermission } from "../kube/access-check.ts";
import { type ArtifactStorage, installedKinds, installObjects, tenantResourceFiles } from "../install/install-objects.ts";
import { checkCrds, crdsReady, installPermissions, type MissingPermission, preflight, type PreflightReport, reviewRules } from "../install/preflight.ts";
import { applyInstall, FIELD_MANAGER, uninstall } from "../install/install-apply.ts";
import { assetRoot } from "../runtime/assets.ts";

export const DEFAULT_IMAGE = `localhost/rivulet:${pkg.version}`;
const CRDS_HINT = "a cluster admin must run: rivulet install crds --export | kubectl apply -f -";

/** deploy/tenant/'s objects, in the order its kustomization lists its files. */
export function readTenantDocs(root: URL = assetRoot()): KubeObject[] {
  const dir = join(fileURLToPath(root), "deploy", "tenant");
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  const files = tenantResourceFiles(parseDocuments(read("kustomization.yaml"), "deploy/tenant/kustomization.yaml")[0]);
  return files.flatMap((f) => parseDocuments(read(f), `deploy/tenant/${f}`)) as KubeObject[];
}

const INSTALL_OPTIONS = {
  ...CLUSTER_OPTIONS,
  export: { type: "boolean" },
  image: { type: "string" },
  "allow-kinds": { type: "string" },
  "artifact-storage": { type: "string" },
} as const;

export const installCommand: Command = {
  path: ["install"],
  summary: "Install the agent in a tenant namespace (namespace-admin rights)",
  help: `Usage: rivulet install --namespace NS [--export] [--image REF] [--allow-kinds KINDS] [--artifact-storage pvc|emptydir]

Installs rivulet in one namespace: the ServiceAccount, Roles and RoleBindings of deploy/tenant/, the
agent's Deployment (one replica, leader election, Pod Security "restricted"), a Service for its
artifact server and Receiver webhooks, and a PersistentVolumeClaim or emptyDir for artifacts. Every
object is labelled app.kubernetes.io/managed-by=rivulet-install, which 'rivulet uninstall' selects by.
Namespace-admin rights are enough when the Flux CRDs are installed; it checks them and the caller's
permissions before the first write and says what is missing (the CRDs: 'rivulet install crds --export').

Flags:
      --export              print the objects as YAML instead of applying them
      --image REF           the agent's image (default ${DEFAULT_IMAGE})
      --allow-kinds KINDS   comma-separated cluster-scoped kinds the agent may apply (rivulet run
                            --allow-cluster-kinds; default none)
      --artifact-storage S  pvc (a 1Gi PersistentVolumeClaim, kept across restarts; default) or emptydir
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: INSTALL_OPTIONS });
    if (!values.namespace) throw new UsageError("--namespace is required");
    const storage = values["artifact-storage"] ?? "pvc";
    if (storage !== "pvc" && storage !== "emptydir") throw new UsageError(`--artifact-storage must be pvc or emptydir, not "${storage}"`);
    const objects = installObjects(
      {
        namespace: values.namespace,
        image: values.image ?? DEFAULT_IMAGE,
        allowKinds: (values["allow-kinds"] ?? "").split(",").map((k) => k.trim()).filter(Boolean),
        artifactStorage: storage as ArtifactStorage,
      },
      readTenantDocs(),
    );
    if (values.export) {
      io.out(emitDocuments(objects).trimEnd());
      return 0;
    }
    const { client } = clusterClient(values);
    if (!(await installable(client, values.namespace, objects, io))) return 3;
    for (const ref of await applyInstall(client, objects)) io.err(`✔ ${ref} applied`);
    io.err(`installed rivulet in namespace ${values.namespace} (image ${values.image ?? DEFAULT_IMAGE})`);
    return 0;
  },
};

export const installCrdsCommand: Command = {
  path: ["install", "crds"],
  summary: "Install (or --export) the Flux CRDs rivulet serves (cluster admin)",
  help: `Usage: rivulet install crds [--export]

The CustomResourceDefinitions of the Flux kinds rivulet serves, as crds/ holds them. CRDs are
cluster-scoped: a cluster admin installs them once, then each tenant's namespace admin runs
'rivulet install'. With --export they are printed (pipe to kubectl apply -f -); without it they are
applied with the current kubeconfig.

Flags:
      --export              print the CRDs as YAML instead of applying them
      --kubeconfig FILE     kubeconfig to use (default: KUBECONFIG, ~/.kube/config)
      --context NAME        kubeconfig context to use`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { kubeconfig: { type: "string" }, context: { type: "string" }, export: { type: "boolean" } } });
    const files = generateCrdFiles(KINDS);
    if (values.export) {
      // The same text as crds/, one document per file.
      io.out(files.map((f) => f.text.trimEnd()).join("\n---\n"));
      return 0;
    }
    const crds = files.flatMap((f) => parseDocuments(f.text, f.name)) as KubeObject[];
    const { client } = clusterClient(values);
    for (const crd of crds) {
      await client.apply(crd, { fieldManager: FIELD_MANAGER, force: true });
      io.err(`✔ CustomResourceDefinition/${crd.metadata.name} applied`);
    }
    return 0;
  },
};

export const uninstallCommand: Command = {
  path: ["uninstall"],
  summary: "Remove what 'rivulet install' made in a namespace, and only that",
  help: `Usage: rivulet uninstall --namespace NS

Deletes the objects 'rivulet install' made in the namespace (those labelled
app.kubernetes.io/managed-by=rivulet-install, of the kinds install makes). The Flux objects, what
they applied, and the CRDs stay.

Flags:
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: CLUSTER_OPTIONS });
    if (!values.namespace) throw new UsageError("--namespace is required");
    const { client } = clusterClient(values);
    // Every kind any install could have made, whatever --artifact-storage it was given.
    const kinds = installedKinds(installObjects({ namespace: values.namespace, image: DEFAULT_IMAGE, allowKinds: [], artifactStorage: "pvc" }, readTenantDocs()));
    const deleted = await uninstall(client, values.namespace, kinds);
    for (const ref of deleted) io.err(`✔ ${ref} deleted`);
    io.err(deleted.length ? `uninstalled rivulet from namespace ${values.namespace}` : `nothing installed by rivulet in namespace ${values.namespace}`);
    return 0;
  },
};

export const checkCommand: Command = {
  path: ["check"],
  summary: "Pre-flight: API server, Flux CRDs, and what the caller may do in a namespace",
  help: `Usage: rivulet check [--namespace NS]

Prints the API server's version, each Flux CRD rivulet serves with the versions the server has, and
the caller's effective permissions in the namespace (SelfSubjectRulesReview) measured against what
installing needs and what the agent needs, naming each missing permission and why it is needed. Run it
as the namespace admin before 'rivulet install', or as the agent's ServiceAccount to check a running
install. Exit code 0 when the CRDs are there and either install or the agent has what it needs, 1 when not.

Flags:
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: CLUSTER_OPTIONS });
    const { client, namespace } = clusterClient(values);
    const objects = installObjects({ namespace, image: DEFAULT_IMAGE, allowKinds: [], artifactStorage: "pvc" }, readTenantDocs());
    const report = await preflight(client, namespace, KINDS, objects);
    printReport(report, io);
    return crdsReady(report) && (report.install.length === 0 || report.agent.length === 0) ? 0 : 1;
  },
};

/**
 * The checks before the first write, shared with bootstrap: the CRDs are there and the caller may write
 * every object (and grant every Role) in the namespace. Says what is missing on io.err when not.
 */
export async function installable(client: KubeClient, namespace: string, objects: KubeObject[], io: CliIO): Promise<boolean> {
  const absent = (await checkCrds(client, KINDS)).filter((c) => !c.present);
  if (absent.length > 0) {
    io.err(`Error: the Flux CRDs are not all installed: ${absent.map((c) => `${c.name} (${c.version})`).join(", ")}`);
    io.err(CRDS_HINT);
    return false;
  }
  const missing = await installPermissions(client, objects, (await reviewRules(client, namespace)).rules);
  if (missing.length > 0) {
    io.err(`Error: cannot install in namespace ${namespace}: the caller lacks ${missing.length} permission(s), nothing was written:`);
    for (const line of missingLines(missing)) io.err(`  ${line}`);
    return false;
  }
  return true;
}

function missingLines(list: MissingPermission[]): string[] {
  return list.map((m) =>
    m.because === "creates"
      ? `cannot ${describePermission(m.permission)}: needed to write ${m.neededBy}`
      : `cannot ${describePermission(m.permission)}: ${m.neededBy} grants it, and Kubernetes lets only a holder grant a permission (or one who may escalate roles)`,
  );
}

function printReport(r: PreflightReport, io: CliIO): void {
  io.out(`API server: ${r.serverVersion}`);
  io.out(`CRDs:`);
  for (const c of r.crds) {
    io.out(
      c.present
        ? `  ✔ ${c.name} ${c.version} (served: ${c.served.join(", ")})`
        : `  ✗ ${c.name} ${c.version}: ${c.served.length ? `not served (the server has ${c.served.join(", ")})` : "missing"}`,
    );
  }
  if (!crdsReady(r)) io.out(`  ${CRDS_HINT}`);
  io.out(`Permissions in namespace ${r.namespace} (SelfSubjectRulesReview${r.incomplete ? ", incomplete: an authorizer other than RBAC may allow more" : ""}):`);
  if (r.evaluationError) io.out(`  evaluation error: ${r.evaluationError}`);
  io.out(r.install.length ? `  ✗ install: ${r.install.length} missing` : "  ✔ install: every object can be written and every Role granted");
  for (const line of missingLines(r.install)) io.out(`    ${line}`);
  io.out(r.agent.length ? `  ✗ agent: ${r.agent.length} missing` : "  ✔ agent: every permission of the tenant Roles");
  for (const line of missingLines(r.agent)) io.out(`    ${line}`);
}
