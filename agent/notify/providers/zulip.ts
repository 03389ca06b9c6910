/**
 * `zulip` (internal/notifier/zulip.go, markdown.go): a form POST to `<address host>/api/v1/messages` with
 * basic auth (the Secret's username and password), `channel` as `<stream>/<topic>`, and Flux's markdown
 * status post as content. The form is encoded as Go's url.Values.Encode does (keys sorted, Go's escaping).
 */
import type { FluxEvent } from "../flux-event.ts";
import { basicAuth, metadataEntries, requireUrl, type NotifierFactory } from "../notifier.ts";

/** Go's url.QueryEscape: only letters, digits and `-_.~` stay as they are; a space is `+`. */
export function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

export function markdownPost(event: FluxEvent): string {
  const io = event.involvedObject;
  const emoji = event.severity === "error" ? "⚠️" : "ℹ️";
  let lines = "";
  for (const [k, v] of metadataEntries(event)) lines += `* \`${k}\`: ${v}\n`;
  return `## Flux Status\n\n${emoji} ${io.kind ?? ""}/${io.namespace ?? ""}/${io.name ?? ""}\n\n${event.message}\n\nMetadata:\n${lines}`;
}

export const zulip: NotifierFactory = (s) => {
  const u = requireUrl(s.address, "Zulip endpoint");
  u.pathname = "/api/v1/messages";
  const [stream, topic, ...rest] = (s.channel ?? "").split("/");
  const topicText = [topic, ...rest].join("/");
  if (!stream || topic === undefined || !topicText) throw new Error(`invalid Zulip channel format, expected <channel>/<topic>, got '${s.channel ?? ""}'`);
  return {
    async post(event, http) {
      const form: Array<[string, string]> = [["content", markdownPost(event)], ["to", stream], ["topic", topicText], ["type", "stream"]];
      const body = form.map(([k, v]) => `${goQueryEscape(k)}=${goQueryEscape(v)}`).join("&");
      const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
      if (s.username || s.password) headers.Authorization = basicAuth(s.username ?? "", s.password ?? "");
      await http.send({ url: u.toString(), headers, body });
    },
  };
};
