/**
 * `opsgenie` (internal/notifier/opsgenie.go): an alert `{message: Kind/name, alias, description: message,
 * details: metadata + severity}` with `Authorization: GenieKey <token>`; the alias is the SHA-256 of
 * `<provider uid>/<kind>/<namespace>/<name>/<reason>`, so repeats of one condition fold into one alert.
 */
import { encodeGoJson, GoStruct } from "../../core/go-json.ts";
import type { FluxEvent } from "../flux-event.ts";
import { JSON_HEADERS, requireUrl, type NotifierFactory } from "../notifier.ts";
import { sha256Hex } from "../digest.ts";

export function opsgenieAlias(providerUid: string, event: FluxEvent): Promise<string> {
  const io = event.involvedObject;
  return sha256Hex(`${providerUid}/${io.kind ?? ""}/${io.namespace ?? ""}/${io.name ?? ""}/${event.reason}`);
}

export async function opsgenieBody(event: FluxEvent, providerUid: string): Promise<string> {
  const details = { ...(event.metadata ?? {}), severity: event.severity };
  return encodeGoJson(
    new GoStruct([
      ["message", `${event.involvedObject.kind ?? ""}/${event.involvedObject.name ?? ""}`],
      ["alias", await opsgenieAlias(providerUid, event)],
      ["description", event.message],
      ["details", details],
    ]),
  );
}

export const opsgenie: NotifierFactory = (s) => {
  requireUrl(s.address, "Opsgenie hook");
  if (!s.token) throw new Error("empty Opsgenie apikey/token");
  return {
    async post(event, http) {
      await http.send({ url: s.address, headers: { ...JSON_HEADERS, Authorization: `GenieKey ${s.token}` }, body: await opsgenieBody(event, s.providerUid ?? "") });
    },
  };
};
