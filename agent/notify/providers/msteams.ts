/**
 * `msteams` (internal/notifier/teams.go): an Adaptive Card 1.4 for Power Automate / Workflows URLs; the
 * deprecated Office 365 connector MessageCard for hosts ending in `.webhook.office.com`. The card's facts
 * put `summary` first, then the other keys sorted.
 */
import { encodeGoJson, GoStruct, type GoJson } from "../../core/go-json.ts";
import type { FluxEvent } from "../flux-event.ts";
import { JSON_HEADERS, metadataEntries, objectTitle, requireUrl, type NotifierFactory } from "../notifier.ts";

export function messageCard(event: FluxEvent): string {
  const title = objectTitle(event);
  const facts = metadataEntries(event).map(([name, value]) => new GoStruct([["name", name], ["value", value]]));
  return encodeGoJson(
    new GoStruct([
      ["@type", "MessageCard"],
      ["@context", "http://schema.org/extensions"],
      ["themeColor", event.severity === "error" ? "FF0000" : "0076D7"],
      ["summary", title],
      ["sections", [new GoStruct([["activityTitle", event.message], ["activitySubtitle", title], ["facts", facts]])]],
    ]),
  );
}

/** A body element: `type`, then the non-empty fields of the inlined container, text block or fact set. */
function element(type: string, fields: Array<[string, GoJson | undefined]>): GoStruct {
  return new GoStruct([["type", type], ...fields.filter((f): f is [string, GoJson] => f[1] !== undefined && f[1] !== "" && f[1] !== false)]);
}

export function adaptiveCard(event: FluxEvent): string {
  const meta = event.metadata ?? {};
  const facts: GoJson[] = [];
  if ("summary" in meta) facts.push(new GoStruct([["title", "summary"], ["value", meta.summary!]]));
  for (const [k, v] of metadataEntries(event)) if (k !== "summary") facts.push(new GoStruct([["title", k], ["value", v]]));
  const items = [
    element("TextBlock", [["text", objectTitle(event)], ["size", "large"], ["weight", "bolder"], ["wrap", true]]),
    element("TextBlock", [["text", event.message], ["color", event.severity === "error" ? "attention" : undefined], ["wrap", true]]),
    element("FactSet", [["facts", facts.length ? facts : undefined]]),
  ];
  const content = new GoStruct([
    ["$schema", "http://adaptivecards.io/schemas/adaptive-card.json"],
    ["type", "AdaptiveCard"],
    ["version", "1.4"],
    ["body", [element("Container", [["items", items]])]],
    ["msteams", new GoStruct([["width", "Full"]])],
  ]);
  return encodeGoJson(new GoStruct([["type", "message"], ["attachments", [new GoStruct([["contentType", "application/vnd.microsoft.card.adaptive"], ["content", content]])]]]));
}

export const msteams: NotifierFactory = (s) => {
  const u = requireUrl(s.address, "MS Teams webhook");
  const connector = u.hostname.endsWith(".webhook.office.com");
  return {
    async post(event, http) {
      await http.send({ url: s.address, headers: { ...JSON_HEADERS }, body: connector ? messageCard(event) : adaptiveCard(event) });
    },
  };
};
