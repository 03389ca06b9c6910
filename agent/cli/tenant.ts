/**
 * `rivulet tenant create`: what a platform team commits to its platform repository for one tenant, in
 * fluxcd/flux2-multi-tenancy's tenants/base/NAME/ shape. rbac.yaml holds the Namespace and rivulet's
 * namespaced install (where the example binds a cluster-wide controller's identity, each tenant here runs
 * its own agent with namespaced rights only); sync.yaml the tenant's GitRepository and Kustomization,
 * reconciled as the install's ServiceAccount. Nothing is applied: printed, or written to a directory.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Command, UsageError } from "./command.ts";
import { DEFAULT_IMAGE, readTenantDocs } from "./install.ts";
import { DEFAULTS, installObjects } from "../install/install-objects.ts";
import { tenantFiles } from "../install/bootstrap-manifests.ts";

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const tenantCreateCommand: Command = {
  path: ["tenant", "create"],
  summary: "Print a tenant's namespace, install and sync for a platform repository",
  help: `Usage: rivulet tenant create NAME --namespace NS --repo URL [--branch B] [--path P] [--export | --output DIR]

Produces tenants/base/NAME/ as fluxcd/flux2-multi-tenancy lays it out: rbac.yaml (the Namespace, labelled
toolkit.fluxcd.io/tenant=NAME, and 'rivulet install --export' for it: ServiceAccount, namespaced Roles
and bindings, the agent's Deployment, Service and storage; nothing cluster-wide), sync.yaml (a
GitRepository and a Kustomization, both NAME, that sync the tenant's repository into the namespace as the
agent's ServiceAccount) and kustomization.yaml. Commit them to the platform repository.

Flags:
  -n, --namespace NS    the tenant's namespace (required)
      --repo URL        the tenant's Git repository (required)
      --branch B        its branch (default main)
      --path P          the path in it to sync (default ./)
      --image REF       the agent's image (default ${DEFAULT_IMAGE})
      --export          print the files as one YAML stream (default when --output is not given)
      --output DIR      write DIR/NAME/{rbac,sync,kustomization}.yaml instead`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        namespace: { type: "string", short: "n" },
        repo: { type: "string" },
        branch: { type: "string" },
        path: { type: "string" },
        image: { type: "string" },
        export: { type: "boolean" },
        output: { type: "string" },
      },
    });
    const name = positionals[0];
    if (!name) throw new UsageError("the tenant NAME is required");
    if (!NAME.test(name) || name.length > 63) throw new UsageError(`tenant name "${name}" is not a valid Kubernetes name (lowercase letters, digits and '-')`);
    if (!values.namespace) throw new UsageError("--namespace is required");
    if (!values.repo) throw new UsageError("--repo is required");
    if (values.export && values.output) throw new UsageError("--export and --output are mutually exclusive");
    const install = installObjects({ namespace: values.namespace, image: values.image ?? DEFAULT_IMAGE, allowKinds: [], artifactStorage: "pvc" }, readTenantDocs());
    const files = tenantFiles({ name, namespace: values.namespace, url: values.repo, branch: values.branch ?? "main", path: values.path ?? "./" }, install, DEFAULTS.serviceAccount);
    if (values.output) {
      const dir = join(resolve(io.cwd, values.output), name);
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
      io.err(`✔ wrote ${Object.keys(files).map((f) => join(dir, f)).join(", ")}`);
      return 0;
    }
    io.out([files["rbac.yaml"], files["sync.yaml"]].map((t) => t!.trimEnd()).join("\n---\n"));
    return 0;
  },
};
