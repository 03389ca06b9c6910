/**
 * `grafana` (internal/notifier/grafana.go): an annotation `{when: unix seconds, text: <kind>/<name>.<ns>,
 * tags: [flux, <controller>, "<k>: <v>"…, kind, name, namespace]}`, ":" in metadata keys and values
 * replaced by "|"; Bearer token, else basic auth when both username and password are set.
 */
import { encodeGoJson, GoStruct } from "../../core/go-json.ts";
import type { FluxEvent } from "../flux-event.ts";
import { basicAuth, JSON_HEADERS, metadataEntries, objectTitle, requireUrl, type NotifierFactory } from "../notifier.ts";

export function grafanaBody(event: FluxEvent): string {
  const io = event.involvedObject;
  const tags = ["flux", event.reportingController];
  for (const [k, v] of metadataEntries(event)) tags.push(`${k.replaceAll(":", "|")}: ${v.replaceAll(":", "|")}`);
  tags.push(`kind: ${io.kind ?? ""}`, `name: ${io.name ?? ""}`, `namespace: ${io.namespace ?? ""}`);
  const when = event.timestamp ? Math.floor(Date.parse(event.timestamp) / 1000) : -62135596800;
  return encodeGoJson(new GoStruct([["when", when], ["text", objectTitle(event)], ["tags", tags]]));
}

export const grafana: NotifierFactory = (s) => {
  try {
    requireUrl(s.address, "Grafana");
  } catch {
    throw new Error(`invalid Grafana URL ${s.address}`);
  }
  return {
    async post(event, http) {
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (s.username && s.password && !s.token) headers.Authorization = basicAuth(s.username, s.password);
      if (s.token) headers.Authorization = `Bearer ${s.token}`;
      await http.send({ url: s.address, headers, body: grafanaBody(event) });
    },
  };
};
