/**
 * `webex` (internal/notifier/webex.go): `{"roomId": channel, "markdown": …}` with `Authorization: Bearer
 * <token>`; the markdown is an emoji (✅ info, 💣 error), the bold object, the message and one quoted line
 * per metadata entry.
 */
import { encodeGoJson, GoStruct, type GoJson } from "../../core/go-json.ts";
import type { FluxEvent } from "../flux-event.ts";
import { JSON_HEADERS, metadataEntries, objectTitle, requireUrl, type NotifierFactory } from "../notifier.ts";

export function webexMarkdown(event: FluxEvent): string {
  let md = `${event.severity === "error" ? "💣" : "✅"} **${objectTitle(event)}**\n${event.message}\n`;
  for (const [k, v] of metadataEntries(event)) md += `>**${k}**: ${v}\n`;
  return md;
}

export const webex: NotifierFactory = (s) => {
  requireUrl(s.address, "Webex hook");
  return {
    async post(event, http) {
      const fields: Array<[string, GoJson]> = [];
      if (s.channel) fields.push(["roomId", s.channel]);
      fields.push(["markdown", webexMarkdown(event)]);
      await http.send({ url: s.address, headers: { ...JSON_HEADERS, Authorization: `Bearer ${s.token ?? ""}` }, body: encodeGoJson(new GoStruct(fields)) });
    },
  };
};
