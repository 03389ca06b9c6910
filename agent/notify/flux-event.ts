/**
 * The Flux event object (event.toolkit.fluxcd.io/v1beta1 `Event`), built for an event a reconciler
 * records, read from a POSTed body, and written as the exact bytes Go's json.Marshal gives for it (the
 * generic providers send those bytes, generic-hmac signs them).
 *
 * Built as fluxcd/pkg/runtime/events' recorder builds it: severity `error` for Warning and `info` for
 * Normal, trace events never leave the agent, the involved object's `event.toolkit.fluxcd.io/*`
 * annotations added to the metadata, `reportingController` the Flux controller that owns the kind.
 */
import { encodeGoJson, GoStruct, type GoJson } from "../core/go-json.ts";
import { formatTime } from "../core/time.ts";
import { splitApiVersion } from "../core/ref.ts";
import type { KubeObject } from "../kube/types.ts";

export const DEFAULTS = {
  /** fluxcd/pkg caps an event message at 39000 characters. */
  maxMessage: 39_000,
};

/** Prefix of the metadata keys taken from the involved object's annotations (RFC 0008). */
export const EVENT_GROUP = "event.toolkit.fluxcd.io";

export type Severity = "info" | "error" | "trace";

export interface InvolvedObject {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface FluxEvent {
  involvedObject: InvolvedObject;
  severity: string;
  /** RFC 3339 to the second (metav1.Time). */
  timestamp: string;
  message: string;
  reason: string;
  metadata?: Record<string, string>;
  reportingController: string;
  reportingInstance?: string;
}

/** The Flux controller that reports events for an API group, as a Flux installation would name it. */
const CONTROLLERS: Record<string, string> = {
  "source.toolkit.fluxcd.io": "source-controller",
  "source.extensions.fluxcd.io": "source-watcher",
  "kustomize.toolkit.fluxcd.io": "kustomize-controller",
  "helm.toolkit.fluxcd.io": "helm-controller",
  "notification.toolkit.fluxcd.io": "notification-controller",
  "image.toolkit.fluxcd.io": "image-reflector-controller",
};

export function reportingControllerFor(apiVersion: string, kind?: string): string {
  // ImageUpdateAutomation shares the image group with the reflector's kinds but has its own controller.
  if (kind === "ImageUpdateAutomation") return "image-automation-controller";
  return CONTROLLERS[splitApiVersion(apiVersion).group] ?? "rivulet";
}

export interface RecordedEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  metadata?: Record<string, string>;
  trace?: boolean;
}

/**
 * An event's metadata as fluxcd/pkg's recorder assembles it: what the reconciler gives, plus the involved
 * object's `event.toolkit.fluxcd.io/*` annotations. The same map is the Kubernetes Event's annotations.
 */
export function eventMetadata(obj: KubeObject, e: Pick<RecordedEvent, "metadata">): Record<string, string> {
  const metadata: Record<string, string> = { ...(e.metadata ?? {}) };
  for (const [k, v] of Object.entries(obj.metadata.annotations ?? {})) {
    if (k.startsWith(`${EVENT_GROUP}/`)) metadata[k] = v;
  }
  return metadata;
}

/** The Flux event for an event recorded about `obj`; undefined for trace events, which Flux never forwards. */
export function fluxEventOf(obj: KubeObject, e: RecordedEvent, o: { controller: string; instance?: string; now: Date }): FluxEvent | undefined {
  if (e.trace) return undefined;
  const metadata = eventMetadata(obj, e);
  const event: FluxEvent = {
    involvedObject: {
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: obj.metadata.resourceVersion,
    },
    severity: e.type === "Warning" ? "error" : "info",
    timestamp: formatTime(o.now),
    message: e.message.length > DEFAULTS.maxMessage ? e.message.slice(0, DEFAULTS.maxMessage) : e.message,
    reason: e.reason,
    metadata,
    reportingController: o.controller,
  };
  if (o.instance) event.reportingInstance = o.instance;
  return event;
}

/** The API group of the involved object (what `<group>/revision` keys start with). */
export function objectGroup(event: FluxEvent): string {
  return splitApiVersion(event.involvedObject.apiVersion ?? "").group;
}

/**
 * Reads a POSTed event as notification-controller's event server does (json.Unmarshal into the Event
 * struct): unknown fields are ignored, a field of the wrong type is an error.
 */
export function parseFluxEvent(text: string): FluxEvent {
  const v: unknown = JSON.parse(text);
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("Cannot decode the event: the body is not a JSON object");
  const r = v as Record<string, unknown>;
  const str = (k: string, from: Record<string, unknown> = r, path = k): string => {
    const x = from[k];
    if (x === undefined || x === null) return "";
    if (typeof x !== "string") throw new Error(`Cannot decode the event: ${path} is not a string`);
    return x;
  };
  const io = r.involvedObject ?? {};
  if (typeof io !== "object" || io === null || Array.isArray(io)) throw new Error("Cannot decode the event: involvedObject is not an object");
  const ior = io as Record<string, unknown>;
  const involvedObject: InvolvedObject = {};
  for (const k of ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] as const) {
    const s = str(k, ior, `involvedObject.${k}`);
    if (s) involvedObject[k] = s;
  }
  let metadata: Record<string, string> | undefined;
  if (r.metadata !== undefined && r.metadata !== null) {
    if (typeof r.metadata !== "object" || Array.isArray(r.metadata)) throw new Error("Cannot decode the event: metadata is not an object");
    metadata = {};
    for (const [k, x] of Object.entries(r.metadata as Record<string, unknown>)) {
      if (typeof x !== "string") throw new Error(`Cannot decode the event: metadata.${k} is not a string`);
      metadata[k] = x;
    }
  }
  const timestamp = str("timestamp");
  if (timestamp && Number.isNaN(Date.parse(timestamp))) throw new Error(`Cannot decode the event: timestamp "${timestamp}" is not RFC 3339`);
  const event: FluxEvent = {
    involvedObject,
    severity: str("severity"),
    timestamp: timestamp ? formatTime(new Date(timestamp)) : "",
    message: str("message"),
    reason: str("reason"),
    reportingController: str("reportingController"),
  };
  if (metadata) event.metadata = metadata;
  const instance = str("reportingInstance");
  if (instance) event.reportingInstance = instance;
  return event;
}

/** Go's struct for the event (field order and omitempty of eventv1.Event and corev1.ObjectReference). */
export function goEvent(event: FluxEvent): GoStruct {
  const io = event.involvedObject;
  const ref: Array<[string, GoJson]> = [];
  for (const k of ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] as const) {
    if (io[k]) ref.push([k, io[k]!]);
  }
  const fields: Array<[string, GoJson]> = [
    ["involvedObject", new GoStruct(ref)],
    ["severity", event.severity],
    // metav1.Time's zero value marshals as null.
    ["timestamp", event.timestamp || null],
    ["message", event.message],
    ["reason", event.reason],
  ];
  if (event.metadata && Object.keys(event.metadata).length) fields.push(["metadata", event.metadata]);
  fields.push(["reportingController", event.reportingController]);
  if (event.reportingInstance) fields.push(["reportingInstance", event.reportingInstance]);
  return new GoStruct(fields);
}

/** The event as json.Marshal writes it. */
export function encodeFluxEvent(event: FluxEvent): string {
  return encodeGoJson(goEvent(event));
}
