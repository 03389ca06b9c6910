/**
 * `lark` (internal/notifier/lark.go): an interactive card, turquoise for info and red for errors, the
 * message in bold followed by `key: value` lines.
 */
import { encodeGoJson, GoStruct } from "../../core/go-json.ts";
import type { FluxEvent } from "../flux-event.ts";
import { JSON_HEADERS, metadataEntries, objectTitle, requireUrl, type NotifierFactory } from "../notifier.ts";

export function larkCard(event: FluxEvent): string {
  const error = event.severity === "error";
  let message = `**${event.message}**\n\n`;
  for (const [k, v] of metadataEntries(event)) message += `${k}: ${v}\n`;
  const card = new GoStruct([
    ["config", new GoStruct([["wide_screen_mode", true]])],
    ["header", new GoStruct([["title", new GoStruct([["tag", "plain_text"], ["content", `${error ? "🚨" : "💫"} ${objectTitle(event)}`]])], ["template", error ? "red" : "turquoise"]])],
    ["elements", [new GoStruct([["tag", "div"], ["text", new GoStruct([["tag", "lark_md"], ["content", message]])]])]],
  ]);
  return encodeGoJson(new GoStruct([["msg_type", "interactive"], ["card", card]]));
}

export const lark: NotifierFactory = (s) => {
  // Flux's Lark constructor words its URL error as Slack's.
  requireUrl(s.address, "Slack hook");
  return {
    async post(event, http) {
      await http.send({ url: s.address, headers: { ...JSON_HEADERS }, body: larkCard(event) });
    },
  };
};
