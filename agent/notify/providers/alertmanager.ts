/**
 * `alertmanager` (internal/notifier/alertmanager.go): one firing alert per event, labels from the metadata
 * (without `summary`, which becomes an annotation) plus alertname `Flux<Kind><Title-cased reason>`,
 * severity, reason, kind, name, namespace and reportingcontroller. `endsAt` is Go's zero time: the field's
 * omitempty has no effect on a struct type. Auth: Bearer token, or basic auth when both username and
 * password are set (Flux keeps only the last request modifier, so basic wins over the token).
 */
import { encodeGoJson, GoStruct } from "../../core/go-json.ts";
import type { FluxEvent } from "../flux-event.ts";
import { basicAuth, JSON_HEADERS, requireUrl, type NotifierFactory } from "../notifier.ts";

/** golang.org/x/text/cases Title: the first letter of each word upper case, the rest lower case. */
export function titleCase(s: string): string {
  return s.toLowerCase().replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());
}

export function alertmanagerBody(event: FluxEvent): string {
  const annotations: Record<string, string> = { message: event.message };
  const labels: Record<string, string> = { ...(event.metadata ?? {}) };
  if ("summary" in labels) {
    annotations.summary = labels.summary!;
    delete labels.summary;
  }
  const io = event.involvedObject;
  Object.assign(labels, {
    alertname: `Flux${io.kind ?? ""}${titleCase(event.reason)}`,
    severity: event.severity,
    reason: event.reason,
    kind: io.kind ?? "",
    name: io.name ?? "",
    namespace: io.namespace ?? "",
    reportingcontroller: event.reportingController,
  });
  return encodeGoJson([
    new GoStruct([
      ["status", "firing"],
      ["labels", labels],
      ["annotations", annotations],
      ["startsAt", event.timestamp || "0001-01-01T00:00:00Z"],
      ["endsAt", "0001-01-01T00:00:00Z"],
    ]),
  ]);
}

export const alertmanager: NotifierFactory = (s) => {
  requireUrl(s.address, "Alertmanager");
  return {
    async post(event, http) {
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (s.token) headers.Authorization = `Bearer ${s.token}`;
      if (s.username && s.password) headers.Authorization = basicAuth(s.username, s.password);
      await http.send({ url: s.address, headers, body: alertmanagerBody(event) });
    },
  };
};
