/**
 * `slack`, `discord` and `rocket`: Slack's attachment payload (internal/notifier/slack.go, discord.go,
 * rocket.go).
 * - slack: `username` defaults to the reporting controller; a token is sent as `Authorization: Bearer`;
 *   for `https://slack.com/api/chat.postMessage` the answer `{"ok":false,"error":…}` is a failure.
 * - discord: Discord's Slack-compatible endpoint, `/slack` appended to the webhook path when missing; no
 *   channel, no fallback text.
 * - rocket: the provider's channel and username as they are, colors `#0076D7` / `#FF0000`, no fallback.
 */
import { encodeGoJson, GoStruct, type GoJson } from "../../core/go-json.ts";
import type { FluxEvent } from "../flux-event.ts";
import { JSON_HEADERS, metadataEntries, objectTitle, requireUrl, type NotifierFactory } from "../notifier.ts";

export const SLACK_POST_MESSAGE = "https://slack.com/api/chat.postMessage";

interface Attachment {
  fallback: string;
  color: string;
  text: string;
}

/** Go's SlackPayload (channel, username, icon_url, icon_emoji, text omitempty, attachments omitempty). */
export function slackPayload(event: FluxEvent, channel: string, username: string, a: Attachment): string {
  const fields: GoJson[] = metadataEntries(event).map(([title, value]) => new GoStruct([["title", title], ["value", value], ["short", false]]));
  const attachment = new GoStruct([
    ["fallback", a.fallback],
    ["color", a.color],
    ["author_name", objectTitle(event)],
    ["text", a.text],
    ["mrkdwn_in", ["text"]],
    ["fields", fields],
  ]);
  return encodeGoJson(new GoStruct([["channel", channel], ["username", username], ["icon_url", ""], ["icon_emoji", ""], ["attachments", [attachment]]]));
}

const isError = (event: FluxEvent) => event.severity === "error";

export const slack: NotifierFactory = (s) => {
  requireUrl(s.address, "Slack hook");
  return {
    async post(event, http) {
      const firstLine = event.message.split("\n")[0]!;
      const body = slackPayload(event, s.channel ?? "", s.username || event.reportingController, {
        fallback: `${objectTitle(event)}: ${firstLine}`,
        color: isError(event) ? "danger" : "good",
        text: event.message,
      });
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (s.token) headers.Authorization = `Bearer ${s.token}`;
      const answer = await http.send({ url: s.address, headers, body });
      if (s.address === SLACK_POST_MESSAGE) {
        let r: { ok?: boolean; error?: string };
        try {
          r = JSON.parse(answer.text) as { ok?: boolean; error?: string };
        } catch (err) {
          throw new Error(`request failed: unable to unmarshal response body: ${(err as Error).message}`);
        }
        if (!r.ok) throw new Error(`request failed: Slack responded with error: ${r.error ?? ""}`);
      }
    },
  };
};

export function discordUrl(address: string): string {
  const u = requireUrl(address, "Discord hook");
  if (address.endsWith("/slack")) return address;
  u.pathname = `${u.pathname.replace(/\/+$/, "")}/slack`;
  return u.toString();
}

export const discord: NotifierFactory = (s) => {
  const url = discordUrl(s.address);
  return {
    async post(event, http) {
      const body = slackPayload(event, "", s.username || event.reportingController, { fallback: "", color: isError(event) ? "danger" : "good", text: event.message });
      await http.send({ url, headers: { ...JSON_HEADERS }, body });
    },
  };
};

export const rocket: NotifierFactory = (s) => {
  requireUrl(s.address, "Rocket hook");
  return {
    async post(event, http) {
      const body = slackPayload(event, s.channel ?? "", s.username ?? "", { fallback: "", color: isError(event) ? "#FF0000" : "#0076D7", text: event.message });
      await http.send({ url: s.address, headers: { ...JSON_HEADERS }, body });
    },
  };
};
