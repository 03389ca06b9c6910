/**
 * From rendered templates to what Helm stores: each template's text is split into YAML documents, the
 * documents carrying a `helm.sh/hook` annotation become hooks (events, weight, delete policies), the rest
 * are sorted into Helm's install order by kind and joined into the release manifest with `# Source:`
 * lines, byte for byte as Helm 4.2 writes it (pkg/release/v1/util/manifest_sorter.go and kind_sorter.go,
 * and action.renderResources; read, not copied). Partials (`_*.tpl` and friends) and empty documents are
 * dropped here as Helm drops them; NOTES.txt must be taken out by the caller, as Helm's renderer does.
 *
 * Helm 4 trims a document only on the left, so the last document of a template keeps its trailing
 * newline and the stored manifest (and `helm template`'s output) has an empty line before the next
 * `---`; Helm 3 trimmed both ends. Releases stored by Helm 3 are matched with the "helm3" style.
 */
import { compareBytes } from "../core/tree-reader.ts";
import type { HookDeletePolicy, HookEvent, StoredHook } from "./release-codec.ts";
import { getOwn } from "./own.ts";
import { parseHelmYaml, type StringField } from "./values-yaml.ts";

/** Kinds in the order Helm installs them; any other kind comes after these, alphabetically. */
export const INSTALL_ORDER: readonly string[] = [
  "PriorityClass",
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodSecurityPolicy",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "SecretList",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleList",
  "ClusterRoleBinding",
  "ClusterRoleBindingList",
  "Role",
  "RoleList",
  "RoleBinding",
  "RoleBindingList",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
];

/** The reverse, except that webhooks go first so they cannot block the removal of the rest. */
export const UNINSTALL_ORDER: readonly string[] = [
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  ...INSTALL_ORDER.slice(0, -2).reverse(),
];

export const HOOK_ANNOTATION = "helm.sh/hook";
export const HOOK_WEIGHT_ANNOTATION = "helm.sh/hook-weight";
export const HOOK_DELETE_ANNOTATION = "helm.sh/hook-delete-policy";
export const HOOK_OUTPUT_LOG_ANNOTATION = "helm.sh/hook-output-log-policy";

const EVENTS: Record<string, HookEvent> = {
  "pre-install": "pre-install",
  "post-install": "post-install",
  "pre-delete": "pre-delete",
  "post-delete": "post-delete",
  "pre-upgrade": "pre-upgrade",
  "post-upgrade": "post-upgrade",
  "pre-rollback": "pre-rollback",
  "post-rollback": "post-rollback",
  test: "test",
  // Helm 2's name for test hooks, still accepted.
  "test-success": "test",
};

/** One document of the release manifest: the template it came from, its kind and its text. */
export interface ManifestDoc {
  /** `<chart>/templates/<file>` (subcharts: `<chart>/charts/<sub>/templates/<file>`). */
  path: string;
  kind: string;
  name: string;
  content: string;
}

export interface SortedManifests {
  /** Documents in install order. */
  manifests: ManifestDoc[];
  /** Hooks in install order by kind (Helm orders by weight only when it runs them). */
  hooks: StoredHook[];
  /** Documents whose hook events Helm does not know: Helm skips them with a log line. */
  skipped: string[];
}

// Helm's separator: "---" at the start or after a newline, with the whitespace around it.
const SEPARATOR = /(?:^|\s*\n)---\s*/;

/** How documents are trimmed: Helm 4.2 trims the left only, Helm 3 both ends. */
export type ManifestStyle = "helm4" | "helm3";

/** Splits one template's output into non-empty documents (Helm's SplitManifests), trimmed as `style` says. */
export function splitManifests(text: string, style: ManifestStyle = "helm4"): string[] {
  if (style === "helm3") {
    return text
      .trim()
      .split(SEPARATOR)
      .filter((d) => d !== "")
      .map((d) => d.trim());
  }
  return text
    .trimStart()
    .split(SEPARATOR)
    .filter((d) => d.trim() !== "")
    .map((d) => d.trimStart());
}

interface Head {
  kind: string;
  name: string;
  annotations: Record<string, unknown> | undefined;
}

/** Helm reads a document's head into string fields, so `helm.sh/hook-weight: 5` unquoted is "5". */
const HEAD_STRINGS: StringField = (p) =>
  (p.length === 1 && p[0] === "kind") || (p[0] === "metadata" && ((p.length === 2 && p[1] === "name") || (p.length === 3 && p[1] === "annotations")));

function readHead(doc: string, path: string): Head {
  let value: unknown;
  try {
    value = parseHelmYaml(doc, path, HEAD_STRINGS);
  } catch (err) {
    throw new Error(`YAML parse error on ${path}: ${(err as Error).message.replace(/^Cannot parse [^:]*: /, "")}`, { cause: err });
  }
  const obj = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const meta = (typeof obj.metadata === "object" && obj.metadata !== null ? obj.metadata : {}) as Record<string, unknown>;
  const annotations = meta.annotations;
  return {
    kind: typeof obj.kind === "string" ? obj.kind : "",
    name: typeof meta.name === "string" ? meta.name : "",
    annotations: typeof annotations === "object" && annotations !== null ? (annotations as Record<string, unknown>) : undefined,
  };
}

/** Splits an annotation's comma list, trimmed and lower-cased as Helm reads it. */
function annotationList(annotations: Record<string, unknown>, key: string): string[] | undefined {
  const v = annotations[key];
  if (typeof v !== "string") return undefined;
  return v.split(",").map((s) => s.trim().toLowerCase());
}

/** Go's strconv.Atoi: an optional sign and decimal digits that fit 64 bits, anything else is 0 to Helm. */
function hookWeight(annotations: Record<string, unknown>): number {
  const v = annotations[HOOK_WEIGHT_ANNOTATION];
  if (typeof v !== "string" || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : 0;
}

/**
 * Sorts rendered templates (path to text) into manifests and hooks as Helm does: templates by path, each
 * template's documents in order, then a stable sort by kind.
 */
export function sortManifests(
  rendered: ReadonlyMap<string, string> | Record<string, string>,
  order: readonly string[] = INSTALL_ORDER,
  style: ManifestStyle = "helm4",
): SortedManifests {
  const entries = rendered instanceof Map ? [...rendered.entries()] : Object.entries(rendered);
  entries.sort(([a], [b]) => compareBytes(a, b));
  const manifests: ManifestDoc[] = [];
  const hooks: StoredHook[] = [];
  const skipped: string[] = [];
  for (const [path, text] of entries) {
    const base = path.slice(path.lastIndexOf("/") + 1);
    if (base.startsWith("_") || text.trim() === "") continue;
    for (const content of splitManifests(text, style)) {
      const head = readHead(content, path);
      const hookEvents = head.annotations && annotationList(head.annotations, HOOK_ANNOTATION);
      if (!head.annotations || Object.keys(head.annotations).length === 0 || !hookEvents) {
        manifests.push({ path, kind: head.kind, name: head.name, content });
        continue;
      }
      const events = hookEvents.map((e) => getOwn(EVENTS, e));
      if (events.some((e) => e === undefined)) {
        skipped.push(`${path}: unknown hook ${JSON.stringify(head.annotations[HOOK_ANNOTATION])}`);
        continue;
      }
      // Shaped as Helm's JSON stores a new hook: zero and empty fields left out.
      const hook: StoredHook = { name: head.name, kind: head.kind, path, manifest: content, events: events as HookEvent[], last_run: { phase: "" } };
      const weight = hookWeight(head.annotations);
      if (weight !== 0) hook.weight = weight;
      const deletePolicies = annotationList(head.annotations, HOOK_DELETE_ANNOTATION);
      if (deletePolicies?.length) hook.delete_policies = deletePolicies as HookDeletePolicy[];
      const logPolicies = annotationList(head.annotations, HOOK_OUTPUT_LOG_ANNOTATION);
      if (logPolicies?.length) hook.output_log_policies = logPolicies;
      hooks.push(hook);
    }
  }
  return { manifests: sortByKind(manifests, (m) => m.kind, order), hooks: sortByKind(hooks, (h) => h.kind, order), skipped };
}

/** A stable sort by kind: listed kinds in list order, then unknown kinds alphabetically. */
export function sortByKind<T>(items: readonly T[], kindOf: (item: T) => string, order: readonly string[] = INSTALL_ORDER): T[] {
  const rank = new Map(order.map((k, i) => [k, i]));
  return items
    .map((item, i) => ({ item, i, kind: kindOf(item) }))
    .sort((a, b) => {
      const ra = rank.get(a.kind);
      const rb = rank.get(b.kind);
      let d: number;
      if (ra === undefined && rb === undefined) d = compareBytes(a.kind, b.kind);
      else if (ra === undefined) d = 1;
      else if (rb === undefined) d = -1;
      else d = ra - rb;
      return d !== 0 ? d : a.i - b.i;
    })
    .map((x) => x.item);
}

/** The release manifest text as Helm stores it. */
export function manifestText(docs: readonly ManifestDoc[]): string {
  return docs.map((d) => `---\n# Source: ${d.path}\n${d.content}\n`).join("");
}
