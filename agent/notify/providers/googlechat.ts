/**
 * `googlechat` (internal/notifier/google_chat.go): a card with the object as title, the reporting
 * controller as subtitle, the message (red when the event is an error) and a key/value widget per
 * metadata entry. Go's nil pointers are written as null.
 */
import { encodeGoJson, GoStruct, type GoJson } from "../../core/go-json.ts";
import type { FluxEvent } from "../flux-event.ts";
import { JSON_HEADERS, metadataEntries, objectTitle, requireUrl, type NotifierFactory } from "../notifier.ts";

const widget = (textParagraph: GoJson, keyValue: GoJson) => new GoStruct([["textParagraph", textParagraph], ["keyValue", keyValue]]);

export function googleChatPayload(event: FluxEvent): string {
  const text = event.severity === "error" ? `<font color="#ff0000">${event.message}</font>` : event.message;
  const sections: GoJson[] = [new GoStruct([["header", ""], ["widgets", [widget(new GoStruct([["text", text]]), null)]]])];
  const entries = metadataEntries(event);
  if (entries.length) {
    const kv = entries.map(([k, v]) =>
      widget(null, new GoStruct([["topLabel", k], ["content", v], ["contentMultiline", false], ["bottomLabel", null], ["icon", null]])),
    );
    sections.push(new GoStruct([["header", ""], ["widgets", kv]]));
  }
  const header = new GoStruct([["title", objectTitle(event)], ["subtitle", event.reportingController], ["imageUrl", null], ["imageStyle", null]]);
  return encodeGoJson(new GoStruct([["cards", [new GoStruct([["header", header], ["sections", sections]])]]]));
}

export const googlechat: NotifierFactory = (s) => {
  requireUrl(s.address, "Google Chat hook");
  return {
    async post(event, http) {
      await http.send({ url: s.address, headers: { ...JSON_HEADERS }, body: googleChatPayload(event) });
    },
  };
};
