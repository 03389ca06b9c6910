/**
 * `rivulet create`: a GitRepository, HelmRepository, Kustomization or HelmRelease from flags, applied with
 * server-side apply or printed as YAML with --export. A HelmRelease's flags are `flux create helmrelease`'s.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { UsageError, type Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, kindFromWords } from "./cluster-flags.ts";
import type { KubeObject } from "../kube/types.ts";
import { parseDuration } from "../core/duration.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { mergeValueOptions } from "../helm/value-options.ts";
import type { Values } from "../helm/chart.ts";

export const createCommand: Command = {
  path: ["create"],
  summary: "Create a GitRepository, HelmRepository, Kustomization or HelmRelease (or print it with --export)",
  help: `Usage: rivulet create source git NAME --url URL [--branch B | --tag T | --tag-semver R | --commit SHA] [flags]
       rivulet create source helm NAME --url URL [--secret-ref S] [--cert-secret-ref S] [--pass-credentials] [flags]
       rivulet create kustomization NAME --source KIND/NAME [--path P] [--prune] [flags]
       rivulet create helmrelease NAME (--source KIND/NAME --chart CHART [--chart-version V] | --chart-ref KIND/NAME) [flags]

Creates the object with server-side apply, or prints it as YAML with --export.

Flags:
      --url URL             repository URL (http or https; oci:// for a Helm OCI repository)
      --branch, --tag, --tag-semver, --commit   the ref to follow (default branch master)
      --secret-ref NAME     Secret with username/password (or bearerToken)
      --cert-secret-ref NAME  Secret with tls.crt, tls.key, ca.crt (helm)
      --pass-credentials    send the credentials to chart URLs on other hosts (helm)
      --source KIND/NAME    the Kustomization's source, e.g. GitRepository/podinfo
      --path PATH           path inside the source (default ./)
      --prune               delete objects removed from the source (default true)
      --depends-on NAMES    comma-separated Kustomizations (HelmReleases may also name HelmReleases) to wait for
      --chart CHART         HelmRelease: chart name in the HelmRepository (or path in a GitRepository or Bucket)
      --chart-version V     HelmRelease: semver range of the chart (default *)
      --chart-ref KIND/NAME HelmRelease: an OCIRepository or HelmChart instead of --source and --chart
      --values FILE         HelmRelease: values file, repeatable; merged in order into spec.values
      --values-from KIND/NAME  HelmRelease: a Secret or ConfigMap with values.yaml, repeatable
      --target-namespace NS HelmRelease: namespace to install into
      --storage-namespace NS  HelmRelease: namespace of the release Secrets
      --release-name NAME   HelmRelease: the Helm release name
      --service-account SA  HelmRelease: ServiceAccount to act as
      --crds POLICY         HelmRelease: Skip, Create or CreateReplace for install and upgrade
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
        chart: { type: "string" },
        "chart-version": { type: "string" },
        "chart-ref": { type: "string" },
        values: { type: "string", multiple: true },
        "values-from": { type: "string", multiple: true },
        "target-namespace": { type: "string" },
        "storage-namespace": { type: "string" },
        "release-name": { type: "string" },
        "service-account": { type: "string" },
        crds: { type: "string" },
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
    } else if (info.kind === "HelmRelease") {
      obj = { apiVersion: info.apiVersion, kind: info.kind, metadata: { name, namespace }, spec: helmReleaseSpec(values, io.cwd) };
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

const CHART_SOURCES = ["HelmRepository", "GitRepository", "Bucket"];
const CHART_REFS = ["OCIRepository", "HelmChart"];

/** A HelmRelease's spec from `flux create helmrelease`'s flags. */
function helmReleaseSpec(
  v: {
    interval?: string;
    source?: string;
    chart?: string;
    "chart-version"?: string;
    "chart-ref"?: string;
    values?: string[];
    "values-from"?: string[];
    "target-namespace"?: string;
    "storage-namespace"?: string;
    "release-name"?: string;
    "service-account"?: string;
    "depends-on"?: string;
    crds?: string;
  },
  cwd: string,
): Record<string, unknown> {
  const pair = (flag: string, text: string, kinds: string[]) => {
    const [kind, ref, extra] = text.split("/");
    if (!kind || !ref || extra !== undefined || !kinds.includes(kind)) throw new UsageError(`${flag} must be KIND/NAME with KIND one of ${kinds.join(", ")}, not "${text}"`);
    return { kind, name: ref };
  };
  let chart: Record<string, unknown>;
  if (v["chart-ref"]) {
    if (v.source || v.chart) throw new UsageError("--chart-ref cannot be combined with --source or --chart");
    chart = { chartRef: pair("--chart-ref", v["chart-ref"], CHART_REFS) };
  } else {
    if (!v.source || !v.chart) throw new UsageError("--source KIND/NAME and --chart are required (or --chart-ref KIND/NAME)");
    const sourceRef = pair("--source", v.source, CHART_SOURCES);
    chart = { chart: { spec: { chart: v.chart, ...(v["chart-version"] ? { version: v["chart-version"] } : {}), sourceRef } } };
  }
  if (v.crds && !["Skip", "Create", "CreateReplace"].includes(v.crds)) throw new UsageError(`--crds must be Skip, Create or CreateReplace, not "${v.crds}"`);
  let values: Values | undefined;
  if (v.values?.length) {
    // Merged as Helm merges -f files (every document a map, later files win).
    const valueFiles = v.values.map((file) => ({ name: file, text: readFileSync(resolve(cwd, file), "utf8") }));
    try {
      values = mergeValueOptions({ valueFiles });
    } catch (err) {
      throw new UsageError(`--values: ${(err as Error).message}`);
    }
  }
  const valuesFrom = (v["values-from"] ?? []).map((t) => pair("--values-from", t, ["Secret", "ConfigMap"]));
  return {
    interval: v.interval,
    ...(v["release-name"] ? { releaseName: v["release-name"] } : {}),
    ...(v["target-namespace"] ? { targetNamespace: v["target-namespace"] } : {}),
    ...(v["storage-namespace"] ? { storageNamespace: v["storage-namespace"] } : {}),
    ...(v["service-account"] ? { serviceAccountName: v["service-account"] } : {}),
    ...(v["depends-on"] ? { dependsOn: v["depends-on"].split(",").map((n) => ({ name: n.trim() })) } : {}),
    ...chart,
    ...(v.crds ? { install: { crds: v.crds }, upgrade: { crds: v.crds } } : {}),
    ...(valuesFrom.length ? { valuesFrom } : {}),
    ...(values ? { values } : {}),
  };
}
