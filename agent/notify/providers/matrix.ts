/**
 * `matrix` (internal/notifier/matrix.go): a PUT of an `m.text` message to
 * `<address>/_matrix/client/r0/rooms/<channel>/send/m.room.message/<txn>` with `Authorization: Bearer`;
 * the transaction id is the SHA-1 of the event's JSON, so a retried send is not posted twice.
 */
import { encodeGoJson, GoStruct } from "../../core/go-json.ts";
import { encodeFluxEvent, type FluxEvent } from "../flux-event.ts";
import { JSON_HEADERS, metadataEntries, objectTitle, requireUrl, type NotifierFactory } from "../notifier.ts";
import { sha1Hex } from "../digest.ts";

export function matrixBody(event: FluxEvent): string {
  let metadata = "";
  for (const [k, v] of metadataEntries(event)) metadata += `- ${k}: ${v}\n`;
  const heading = `${event.severity === "error" ? "🚨" : "💫"} ${objectTitle(event)}`;
  return encodeGoJson(new GoStruct([["body", `${heading}\n${event.message}\n${metadata}`], ["msgtype", "m.text"]]));
}

export const matrix: NotifierFactory = (s) => {
  requireUrl(s.address, "Matrix homeserver");
  return {
    async post(event, http) {
      const txn = await sha1Hex(encodeFluxEvent(event));
      const url = `${s.address}/_matrix/client/r0/rooms/${s.channel ?? ""}/send/m.room.message/${txn}`;
      await http.send({ method: "PUT", url, headers: { ...JSON_HEADERS, Authorization: `Bearer ${s.token ?? ""}` }, body: matrixBody(event) });
    },
  };
};
