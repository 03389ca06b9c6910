/**
 * `datadog` (internal/notifier/datadog.go, through datadog-api-client-go v2's EventsApi.CreateEvent):
 * `POST <scheme>://<address host>/api/v1/events` with `DD-API-KEY: <token>` and an EventCreateRequest, whose
 * generated marshaller writes its fields from a map (so in key order): alert_type error|info,
 * date_happened (unix seconds), source_type_name `fluxcd`, lower-cased tags (reporting controller, reason,
 * kind, name, namespace, then each metadata `key:value`), text, title.
 */
import { encodeGoJson } from "../../core/go-json.ts";
import type { FluxEvent } from "../flux-event.ts";
import { metadataEntries, requireUrl, type NotifierFactory } from "../notifier.ts";

export function dataDogBody(event: FluxEvent): string {
  const io = event.involvedObject;
  const tags = [
    `flux_reporting_controller:${event.reportingController}`,
    `flux_reason:${event.reason}`,
    `kube_kind:${io.kind ?? ""}`,
    `kube_name:${io.name ?? ""}`,
    `kube_namespace:${io.namespace ?? ""}`,
    ...metadataEntries(event).map(([k, v]) => `${k}:${v}`),
  ].map((t) => t.toLowerCase());
  return encodeGoJson({
    alert_type: event.severity === "error" ? "error" : "info",
    date_happened: event.timestamp ? Math.floor(Date.parse(event.timestamp) / 1000) : -62135596800,
    source_type_name: "fluxcd",
    tags,
    text: event.message,
    title: `Events from the ${io.kind ?? ""} ${io.name ?? ""}/${io.namespace ?? ""}`,
  });
}

export const datadog: NotifierFactory = (s) => {
  if (!s.token) throw new Error("token cannot be empty");
  let u: URL;
  try {
    u = requireUrl(s.address, "DataDog");
  } catch {
    throw new Error(`failed to parse address "${s.address}"`);
  }
  const url = `${u.protocol}//${u.host}/api/v1/events`;
  return {
    async post(event, http) {
      await http.send({ url, headers: { "Content-Type": "application/json", Accept: "application/json", "DD-API-KEY": s.token! }, body: dataDogBody(event) }).catch((err: Error) => {
        throw new Error(`failed to post event to DataDog: ${err.message}`);
      });
    },
  };
};
