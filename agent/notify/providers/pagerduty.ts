/**
 * `pagerduty` (internal/notifier/pagerduty.go, go-pagerduty v1.8.0's V2Event and ChangeEvent): Progressing
 * events are skipped; an error triggers an alert (`/v2/enqueue`, event_action `trigger`, dedup_key the
 * object's UID, a payload with summary `<reason words>: <kind>/<name>`); an info event resolves it (no
 * payload) and is also sent as a change event (`/v2/change/enqueue`). The routing key is spec.channel; only
 * the scheme and host of the address are used.
 */
import { encodeGoJson, GoStruct, type GoJson } from "../../core/go-json.ts";
import type { FluxEvent } from "../flux-event.ts";
import { JSON_HEADERS, requireUrl, type NotifierFactory } from "../notifier.ts";
import { nameAndDescription } from "./git-commit.ts";

const details = (event: FluxEvent): GoJson => ({ message: event.message, metadata: event.metadata ?? null });

export function pagerDutyAlert(event: FluxEvent, routingKey: string): string {
  const { name, description } = nameAndDescription(event);
  const fields: Array<[string, GoJson]> = [["routing_key", routingKey], ["event_action", event.severity === "error" ? "trigger" : "resolve"]];
  if (event.involvedObject.uid) fields.push(["dedup_key", event.involvedObject.uid]);
  if (event.severity === "error") {
    const payload: Array<[string, GoJson]> = [["summary", `${description}: ${name}`], ["source", `Flux ${event.reportingController}`], ["severity", "error"]];
    if (event.timestamp) payload.push(["timestamp", event.timestamp]);
    if (event.involvedObject.name) payload.push(["component", event.involvedObject.name]);
    if (event.involvedObject.kind) payload.push(["group", event.involvedObject.kind]);
    payload.push(["custom_details", details(event)]);
    fields.push(["payload", new GoStruct(payload)]);
  }
  return encodeGoJson(new GoStruct(fields));
}

export function pagerDutyChange(event: FluxEvent, routingKey: string): string {
  const { name, description } = nameAndDescription(event);
  const payload: Array<[string, GoJson]> = [["summary", `${description}: ${name}`], ["source", `Flux ${event.reportingController}`]];
  if (event.timestamp) payload.push(["timestamp", event.timestamp]);
  payload.push(["custom_details", details(event)]);
  return encodeGoJson(new GoStruct([["routing_key", routingKey], ["payload", new GoStruct(payload)]]));
}

export const pagerduty: NotifierFactory = (s) => {
  let endpoint: string;
  try {
    const u = requireUrl(s.address, "PagerDuty endpoint");
    endpoint = `${u.protocol}//${u.host}`;
  } catch {
    throw new Error(`invalid PagerDuty endpoint URL "${s.address}"`);
  }
  const key = s.channel ?? "";
  return {
    async post(event, http) {
      if (event.reason === "Progressing") return;
      await http.send({ url: `${endpoint}/v2/enqueue`, headers: { ...JSON_HEADERS }, body: pagerDutyAlert(event, key) }).catch((err: Error) => {
        throw new Error(`failed sending event: ${err.message}`);
      });
      if (event.severity === "info") {
        await http.send({ url: `${endpoint}/v2/change/enqueue`, headers: { ...JSON_HEADERS }, body: pagerDutyChange(event, key) }).catch((err: Error) => {
          throw new Error(`failed sending change event: ${err.message}`);
        });
      }
    },
  };
};
