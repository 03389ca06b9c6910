/**
 * One Flux object as people read it at a glance (`rivulet get`, the status page): Ready, its reason and
 * message, the revision, when it last reconciled, whether it is suspended, and where it comes from. Read
 * from the object alone (no requests). Nothing here comes from a Secret: the messages are written
 * secret-free by the reconcilers, and a source URL loses any user:password it carries.
 */
import type { KubeObject } from "../kube/types.ts";

type Cond = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string };
type Status = Record<string, unknown>;
type Spec = Record<string, unknown>;

export interface ObjectSummary {
  kind: string;
  name: string;
  ready: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  revision: string;
  /** RFC 3339, the newest of the times the status records for a reconcile; "" when never reconciled. */
  lastReconcile: string;
  suspended: boolean;
  /** The URL a source fetches (credentials masked), or the source and path an applier uses. */
  from: string;
}

const statusOf = (o: KubeObject) => (o.status ?? {}) as Status;
const specOf = (o: KubeObject) => (o.spec ?? {}) as Spec;

/**
 * The artifact revision of a source, the last applied (or attempted) revision of a Kustomization, or the
 * chart version of a HelmRelease's newest release (else the one last attempted), as `flux get` shows them.
 */
export function revisionOf(o: KubeObject): string {
  const s = statusOf(o);
  const release = (s.history as Array<{ chartVersion?: string }> | undefined)?.[0]?.chartVersion;
  return String((s.artifact as { revision?: string } | undefined)?.revision ?? s.lastAppliedRevision ?? release ?? s.lastAttemptedRevision ?? "");
}

/** An ImagePolicy's latestRef as Flux's ImageRef.String() prints it: name:tag, with @digest when known. */
export function latestImage(o: KubeObject): string {
  const ref = statusOf(o).latestRef as { name?: string; tag?: string; digest?: string } | undefined;
  if (!ref?.name) return "";
  return `${ref.name}:${ref.tag ?? ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** A URL with any user:password replaced by "***" (a URL that does not parse is kept without its userinfo). */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = "***";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//***@");
  }
}

/** What the object reads from: a source's URL, an ImageRepository's image, an applier's sourceRef and path. */
function fromOf(o: KubeObject): string {
  const spec = specOf(o);
  if (typeof spec.url === "string") return maskUrl(spec.url);
  if (typeof spec.image === "string") return maskUrl(spec.image);
  if (typeof spec.bucketName === "string") return `${maskUrl(String(spec.endpoint ?? ""))}/${spec.bucketName}`;
  const ref = (spec.sourceRef ?? (spec.chart as { spec?: { sourceRef?: unknown } } | undefined)?.spec?.sourceRef ?? spec.chartRef ?? spec.imageRepositoryRef) as
    | { kind?: string; name?: string }
    | undefined;
  if (!ref?.name) return "";
  const chart = (spec.chart as { spec?: { chart?: string } } | string | undefined);
  const where = typeof spec.path === "string" ? spec.path : typeof chart === "string" ? chart : chart?.spec?.chart ?? "";
  return `${ref.kind ?? "ImageRepository"}/${ref.name}${where ? ` ${where}` : ""}`;
}

/** The newest of the reconcile times an object's status records. */
function lastReconcileOf(o: KubeObject, ready: Cond | undefined): string {
  const s = statusOf(o);
  const times = [
    ready?.lastTransitionTime,
    (s.artifact as { lastUpdateTime?: string } | undefined)?.lastUpdateTime,
    (s.history as Array<{ lastReconciled?: string }> | undefined)?.[0]?.lastReconciled,
    (s.lastScanResult as { scanTime?: string } | undefined)?.scanTime,
    s.lastHandledReconcileAt as string | undefined,
  ].filter((t): t is string => typeof t === "string" && !Number.isNaN(Date.parse(t)));
  return times.sort((a, b) => Date.parse(b) - Date.parse(a))[0] ?? "";
}

export function summarize(o: KubeObject): ObjectSummary {
  const ready = ((statusOf(o).conditions as Cond[] | undefined) ?? []).find((c) => c.type === "Ready");
  const status = ready?.status === "True" || ready?.status === "False" ? ready.status : "Unknown";
  const revision = o.kind === "ImagePolicy" ? latestImage(o) : revisionOf(o);
  return {
    kind: o.kind,
    name: o.metadata.name ?? "",
    ready: status,
    reason: ready?.reason ?? "",
    message: ready?.message ?? "waiting to be reconciled",
    revision,
    lastReconcile: lastReconcileOf(o, ready),
    suspended: Boolean(specOf(o).suspend),
    from: fromOf(o),
  };
}
