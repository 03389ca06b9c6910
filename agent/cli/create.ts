/**
 * `rivulet create`: a GitRepository, HelmRepository or Kustomization from flags, applied with server-side apply or
 * printed as YAML with --export.
 */
import { parseArgs } from "node:util";
import { UsageError, type Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, kindFromWords } from "./cluster-flags.ts";
import type { KubeObject } from "../kube/types.ts";
import { parseDuration } from "../core/duration.ts";
import { emitDocuments } from "../yaml/emit.ts";

export const createCommand: Command = {
  path: ["create"],
  summary: "Create a GitRepository, HelmRepository or Kustomization (or print it with --export)",
  help: `Usage: rivulet create source git NAME --url URL [--branch B | --tag T | --tag-semver R | --commit SHA] [flags]
       rivulet create source helm NAME --url URL [--secret-ref S] [--cert-secret-ref S] [--pass-credentials] [flags]
       rivulet create kustomization NAME --source KIND/NAME [--path P] [--prune] [flags]

Creates the object with server-side apply, or prints it as YAML with --export.

Flags:
      --url URL             repository URL (http or https; oci:// for a Helm OCI repository)
      --branch, --tag, --tag-semver, --commit   the ref to follow (default branch master)
      --secret-ref NAME     Secret with username/password (or bearerToken for git)
      --cert-secret-ref NAME  Secret with tls.crt, tls.key, ca.crt (helm)
      --pass-credentials    send the credentials to chart URLs on other hosts (helm)
      --source KIND/NAME    the Kustomization's source, e.g. GitRepository/podinfo
      --path PATH           path inside the source (default ./)
      --prune               delete objects removed from the source (default true)
      --depends-on NAMES    comma-separated Kustomizations to wait for
      --interval DURATION   reconcile interval (default 1m)
      --export              print YAML instead of creating
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...CLUSTER_OPTIONS,
        url: { type: "string" },
        branch: { type: "string" },
        tag: { type: "string" },
        "tag-semver": { type: "string" },
        commit: { type: "string" },
        "secret-ref": { type: "string" },
        "cert-secret-ref": { type: "string" },
        "pass-credentials": { type: "boolean" },
        source: { type: "string" },
        path: { type: "string", default: "./" },
        prune: { type: "boolean", default: true },
        "depends-on": { type: "string" },
        interval: { type: "string", default: "1m" },
        export: { type: "boolean" },
      },
    });
    const { info, rest } = kindFromWords(positionals);
    const name = rest[0];
    if (!name) throw new UsageError(`name the ${info.kind} to create`);
    parseDuration(values.interval!);
    const namespace = values.namespace ?? (values.export ? "default" : clusterClient(values).namespace);
    let obj: KubeObject;
    if (info.kind === "GitRepository") {
      if (!values.url) throw new UsageError("--url is required");
      if (!/^https?:\/\//.test(values.url)) throw new UsageError(`--url must be http:// or https://, not "${values.url}"`);
      const ref = values.commit ? { commit: values.commit } : values["tag-semver"] ? { semver: values["tag-semver"] } : values.tag ? { tag: values.tag } : { branch: values.branch ?? "master" };
      obj = { apiVersion: info.apiVersion, kind: info.kind, metadata: { name, namespace }, spec: { interval: values.interval, url: values.url, ref, ...(values["secret-ref"] ? { secretRef: { name: values["secret-ref"] } } : {}) } };
    } else if (info.kind === "HelmRepository") {
      if (!values.url) throw new UsageError("--url is required");
      if (!/^(https?|oci):\/\//.test(values.url)) throw new UsageError(`--url must be http://, https:// or oci://, not "${values.url}"`);
      obj = {
        apiVersion: info.apiVersion,
        kind: info.kind,
        metadata: { name, namespace },
        spec: {
          interval: values.interval,
          url: values.url,
          // As flux create source helm: an oci:// URL makes an OCI repository.
          ...(values.url.startsWith("oci://") ? { type: "oci" } : {}),
          ...(values["secret-ref"] ? { secretRef: { name: values["secret-ref"] } } : {}),
          ...(values["cert-secret-ref"] ? { certSecretRef: { name: values["cert-secret-ref"] } } : {}),
          ...(values["pass-credentials"] ? { passCredentials: true } : {}),
        },
      };
    } else if (info.kind === "Kustomization") {
      const [srcKind, srcName] = (values.source ?? "").split("/");
      if (!srcKind || !srcName) throw new UsageError("--source KIND/NAME is required, e.g. --source GitRepository/podinfo");
      obj = {
        apiVersion: info.apiVersion,
        kind: info.kind,
        metadata: { name, namespace },
        spec: {
          interval: values.interval,
          path: values.path,
          prune: values.prune,
          sourceRef: { kind: srcKind, name: srcName },
          ...(values["depends-on"] ? { dependsOn: values["depends-on"].split(",").map((n) => ({ name: n.trim() })) } : {}),
        },
      };
    } else {
      throw new UsageError(`creating ${info.kind} objects is not supported by this command yet: write the YAML and apply it`);
    }
    if (values.export) {
      io.out(emitDocuments([obj]).replace(/^---\n/, "---\n"));
      return 0;
    }
    const { client } = clusterClient(values);
    io.err(`► applying ${info.kind} ${name} in ${namespace} namespace`);
    await client.apply(obj, { fieldManager: "rivulet-cli" });
    io.err(`✔ ${info.kind} created`);
    return 0;
  },
};
