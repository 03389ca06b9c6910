/**
 * The image kinds on the command line, as `flux` has them:
 * - `rivulet get images repository|policy|update`: flux's columns (NAME, LAST SCAN, SUSPENDED, READY,
 *   MESSAGE for ImageRepositories; NAME, LATEST IMAGE, READY, MESSAGE for ImagePolicies; NAME, LAST RUN,
 *   SUSPENDED, READY, MESSAGE for ImageUpdateAutomations).
 * - `rivulet create image repository|policy|update NAME`: flux create image's flags, applied with
 *   server-side apply or printed with --export; refused with flux's messages before anything is written.
 * reconcile, suspend and resume go through the shared commands (cluster-flags.ts names `image repository`,
 * `image policy` and `image update`).
 */
import { parseArgs } from "node:util";
import { listingCommand, type Listing } from "./listing.ts";
import { UsageError, type Command } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, IMAGE_KINDS } from "./cluster-flags.ts";
import type { KubeObject } from "../kube/types.ts";
import { formatDuration, parseDuration } from "../core/duration.ts";
import { goRegexp } from "../core/go-regexp.ts";
import { parseConstraint } from "../core/semver-constraint.ts";
import { emitDocuments } from "../yaml/emit.ts";
import { parseImageName } from "../image/image-name.ts";
import { readyOf, specOf, statusOf } from "./object-status.ts";
import { latestImage } from "../status/object-summary.ts";

const REPOSITORY = IMAGE_KINDS.repository!;
const POLICY = IMAGE_KINDS.policy!;
const UPDATE = IMAGE_KINDS.update!;
const title = (b: boolean) => (b ? "True" : "False");

const LISTINGS: Record<string, Listing> = {
  repository: {
    info: REPOSITORY,
    headers: ["NAME", "LAST SCAN", "SUSPENDED", "READY", "MESSAGE"],
    row: (o) => [
      o.metadata.name!,
      String((statusOf(o).lastScanResult as { scanTime?: string } | undefined)?.scanTime ?? ""),
      title(Boolean(specOf(o).suspend)),
      readyOf(o)?.status ?? "False",
      readyOf(o)?.message ?? "waiting to be reconciled",
    ],
  },
  policy: {
    info: POLICY,
    headers: ["NAME", "LATEST IMAGE", "READY", "MESSAGE"],
    row: (o) => [o.metadata.name!, latestImage(o), readyOf(o)?.status ?? "False", readyOf(o)?.message ?? "waiting to be reconciled"],
  },
  update: {
    info: UPDATE,
    headers: ["NAME", "LAST RUN", "SUSPENDED", "READY", "MESSAGE"],
    row: (o) => [
      o.metadata.name!,
      String(statusOf(o).lastAutomationRunTime ?? ""),
      title(Boolean(specOf(o).suspend)),
      readyOf(o)?.status ?? "False",
      readyOf(o)?.message ?? "waiting to be reconciled",
    ],
  },
};

const CREATE_OPTIONS = {
  ...CLUSTER_OPTIONS,
  export: { type: "boolean" },
  interval: { type: "string", default: "1m" },
  // repository
  image: { type: "string" },
  "secret-ref": { type: "string" },
  "cert-secret-ref": { type: "string" },
  // flux's own name of the flag (its examples spell it --cert-secret-ref)
  "cert-ref": { type: "string" },
  "scan-timeout": { type: "string" },
  insecure: { type: "boolean" },
  "exclusion-list": { type: "string", multiple: true },
  // policy
  "image-ref": { type: "string" },
  "select-semver": { type: "string" },
  "select-alpha": { type: "string" },
  "select-numeric": { type: "string" },
  "filter-regex": { type: "string" },
  "filter-extract": { type: "string" },
  // update
  "git-repo-ref": { type: "string" },
  "git-repo-namespace": { type: "string" },
  "git-repo-path": { type: "string" },
  "checkout-branch": { type: "string" },
  "push-branch": { type: "string" },
  "commit-template": { type: "string" },
  "author-name": { type: "string" },
  "author-email": { type: "string" },
} as const;

type CreateValues = { [K in keyof typeof CREATE_OPTIONS]?: (typeof CREATE_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof CREATE_OPTIONS)[K] extends { type: "boolean" } ? boolean : string };

/** A duration flag in Go's formatting, as flux's metav1.Duration prints it ("1m" -> "1m0s"). */
function goDuration(flag: string, text: string): string {
  try {
    return formatDuration(parseDuration(text));
  } catch (err) {
    throw new UsageError(`invalid argument "${text}" for "--${flag}" flag: ${(err as Error).message}`);
  }
}

/** The ImageRepository `flux create image repository` makes from these flags. */
export function imageRepositoryObject(name: string, namespace: string, v: CreateValues): KubeObject {
  if (!v.image) throw new UsageError("an image repository (--image) is required");
  try {
    parseImageName(v.image);
  } catch (err) {
    throw new UsageError(`unable to parse image value: ${(err as Error).message}`);
  }
  const certSecret = v["cert-secret-ref"] ?? v["cert-ref"];
  const exclusionList = (v["exclusion-list"] ?? []).flatMap((e) => e.split(","));
  for (const e of exclusionList) {
    const re = goRegexp(e);
    if (re instanceof Error) throw new UsageError(`--exclusion-list: invalid regular expression '${e}': ${re.message}`);
  }
  return {
    apiVersion: REPOSITORY.apiVersion,
    kind: REPOSITORY.kind,
    metadata: { name, namespace },
    spec: {
      image: v.image,
      interval: goDuration("interval", v.interval ?? "1m"),
      ...(v["scan-timeout"] ? { timeout: goDuration("scan-timeout", v["scan-timeout"]) } : {}),
      ...(v["secret-ref"] ? { secretRef: { name: v["secret-ref"] } } : {}),
      ...(certSecret ? { certSecretRef: { name: certSecret } } : {}),
      ...(exclusionList.length ? { exclusionList } : {}),
      ...(v.insecure ? { insecure: true } : {}),
    },
  };
}

/** The ImagePolicy `flux create image policy` makes from these flags, refused with flux's messages. */
export function imagePolicyObject(name: string, namespace: string, v: CreateValues): KubeObject {
  if (!v["image-ref"]) throw new UsageError("the name of an ImageRepository in the namespace is required (--image-ref)");
  const order = (flag: string, value: string) => {
    if (value !== "asc" && value !== "desc") throw new UsageError(`${flag} must be one of ["asc", "desc"]`);
    return { order: value };
  };
  const chosen = [v["select-semver"], v["select-alpha"], v["select-numeric"]].filter((x) => x !== undefined && x !== "");
  if (chosen.length > 1) throw new UsageError("only one of --select-semver, --select-alpha or --select-numeric can be specified");
  let policy: Record<string, unknown>;
  if (v["select-semver"]) {
    try {
      parseConstraint(v["select-semver"]);
    } catch (err) {
      throw new UsageError(`--select-semver is not a valid semver range: ${(err as Error).message}`);
    }
    policy = { semver: { range: v["select-semver"] } };
  } else if (v["select-alpha"]) policy = { alphabetical: order("--select-alpha", v["select-alpha"]) };
  else if (v["select-numeric"]) policy = { numerical: order("--select-numeric", v["select-numeric"]) };
  else throw new UsageError("a policy must be provided with either --select-semver or --select-alpha");
  let filterTags: Record<string, string> | undefined;
  if (v["filter-regex"]) {
    const re = goRegexp(v["filter-regex"]);
    if (re instanceof Error) throw new UsageError("--filter-regex is an invalid regex pattern");
    filterTags = { pattern: v["filter-regex"] };
    if (v["filter-extract"]) {
      checkExtract(v["filter-extract"], Object.keys(re.namedGroups()));
      filterTags.extract = v["filter-extract"];
    }
  } else if (v["filter-extract"]) {
    throw new UsageError("cannot specify --filter-extract without specifying --filter-regex");
  }
  return {
    apiVersion: POLICY.apiVersion,
    kind: POLICY.kind,
    metadata: { name, namespace },
    spec: { imageRepositoryRef: { name: v["image-ref"] }, policy, ...(filterTags ? { filterTags } : {}) },
  };
}

/** The ImageUpdateAutomation `flux create image update` makes from these flags, refused with flux's messages. */
export function imageUpdateObject(name: string, namespace: string, v: CreateValues): KubeObject {
  if (!v["git-repo-ref"]) throw new UsageError("a reference to a GitRepository is required (--git-repo-ref)");
  if (!v["checkout-branch"]) throw new UsageError("the Git repository branch is required (--checkout-branch)");
  if (!v["author-name"]) throw new UsageError("the author name is required (--author-name)");
  if (!v["author-email"]) throw new UsageError("the author email is required (--author-email)");
  const commit: Record<string, unknown> = { author: { email: v["author-email"], name: v["author-name"] } };
  if (v["commit-template"]) commit.messageTemplate = v["commit-template"];
  return {
    apiVersion: UPDATE.apiVersion,
    kind: UPDATE.kind,
    metadata: { name, namespace },
    spec: {
      git: {
        checkout: { ref: { branch: v["checkout-branch"] } },
        commit,
        ...(v["push-branch"] ? { push: { branch: v["push-branch"] } } : {}),
      },
      interval: goDuration("interval", v.interval ?? "1m"),
      sourceRef: { kind: "GitRepository", name: v["git-repo-ref"], ...(v["git-repo-namespace"] ? { namespace: v["git-repo-namespace"] } : {}) },
      ...(v["git-repo-path"] ? { update: { path: v["git-repo-path"], strategy: "Setters" } } : {}),
    },
  };
}

/**
 * flux's check of --filter-extract against the pattern: every `$name` / `${name}` that is not a number
 * must be a named group of the pattern; `$$` is a literal dollar; a `$` without a name is malformed.
 */
function checkExtract(template: string, groups: string[]): void {
  const ref = /\$(?:\$|\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/uy;
  for (let i = template.indexOf("$"); i >= 0; i = template.indexOf("$", i)) {
    ref.lastIndex = i;
    const m = ref.exec(template);
    if (!m) throw new UsageError("--filter-extract is malformed");
    i = ref.lastIndex;
    const name = m[1] ?? m[2];
    if (name === undefined) continue;
    const numeric = /^(0|[1-9][0-9]{0,8})$/.test(name);
    if (!numeric && !groups.includes(name)) throw new UsageError(`capture group $${name} used in --filter-extract not found in --filter-regex`);
  }
}

const CREATE_HELP: Record<string, string> = {
  repository: `Usage: rivulet create image repository NAME --image REF [--interval D] [--secret-ref S] [--cert-secret-ref S] [--exclusion-list RE] [flags]

Creates an ImageRepository whose tags the agent scans, like 'flux create image repository'.

Flags:
      --image REF           the image repository to scan, without tag, e.g. ghcr.io/org/app (required)
      --interval DURATION   how often the registry is scanned (default 1m)
      --secret-ref NAME     docker-registry Secret with the registry credentials
      --cert-secret-ref NAME  Secret with tls.crt, tls.key and ca.crt for the registry (alias --cert-ref)
      --scan-timeout DURATION  timeout of a scan (default: the interval)
      --exclusion-list RE   Go regular expressions of tags to leave out, repeatable or comma-separated (default ^.*\\.sig$)
      --insecure            allow plain HTTP to the registry (spec.insecure; not a flux flag)`,
  policy: `Usage: rivulet create image policy NAME --image-ref REPO (--select-semver R | --select-alpha asc|desc | --select-numeric asc|desc) [--filter-regex RE [--filter-extract T]] [flags]

Creates an ImagePolicy that chooses the latest of an ImageRepository's tags, like 'flux create image policy'.

Flags:
      --image-ref NAME      the ImageRepository in the namespace (required)
      --select-semver R     the highest version in a semver range, e.g. '>=1.0.0'
      --select-alpha ORDER  alphabetical order: asc takes the last, desc the first
      --select-numeric ORDER  numerical order: asc takes the highest, desc the lowest
      --filter-regex RE     only tags this Go regular expression matches
      --filter-extract T    the value compared, from the regex's groups, e.g. '$ts'`,
  update: `Usage: rivulet create image update NAME --git-repo-ref REPO --checkout-branch B --author-name N --author-email E [--git-repo-path P] [--push-branch B] [--commit-template T] [flags]

Creates an ImageUpdateAutomation that writes the latest images of the namespace's ImagePolicies into a
GitRepository's files (at their # {"$imagepolicy": ...} markers), commits and pushes, like 'flux create
image update'.

Flags:
      --git-repo-ref NAME   the GitRepository with the upstream repository (required)
      --git-repo-namespace NS  the GitRepository's namespace (default: the automation's)
      --git-repo-path PATH  the directory whose files are updated (default: the repository root)
      --checkout-branch B   the branch to check out (required)
      --push-branch B       the branch to push to (default: the checkout branch)
      --author-name N       the commit author's name (required)
      --author-email E      the commit author's email (required)
      --commit-template T   Go template of the commit message, over .AutomationObject, .Changed and .Values
      --interval DURATION   how often the automation runs (default 1m)`,
};

function createCommand(word: string): Command {
  const info = IMAGE_KINDS[word]!;
  return {
    path: ["create", "image", word],
    summary: `Create ${/^[AEIOU]/.test(info.kind) ? "an" : "a"} ${info.kind} (or print it with --export)`,
    help: `${CREATE_HELP[word]}
      --export              print YAML instead of creating
${CLUSTER_HELP}`,
    async run(args, io) {
      const { values, positionals } = parseArgs({ args, options: CREATE_OPTIONS, allowPositionals: true });
      const name = positionals[0];
      if (!name) throw new UsageError(`${info.kind} name is required`);
      const namespace = values.namespace ?? (values.export ? "default" : clusterClient(values).namespace);
      const make = { repository: imageRepositoryObject, policy: imagePolicyObject, update: imageUpdateObject }[word]!;
      const obj = make(name, namespace, values);
      if (values.export) {
        io.out(emitDocuments([obj]));
        return 0;
      }
      const { client } = clusterClient(values);
      io.err(`► applying ${info.kind} ${name} in ${namespace} namespace`);
      await client.apply(obj, { fieldManager: "rivulet-cli" });
      io.err(`✔ ${info.kind} created`);
      return 0;
    },
  };
}

export const imageCommands: { get: Command[]; create: Command[] } = {
  get: Object.entries(LISTINGS).map(([word, l]) => listingCommand(["get", "images", word], l)),
  create: Object.keys(IMAGE_KINDS).map(createCommand),
};
