/**
 * `telegram` (internal/notifier/telegram.go): `sendMessage` of the Bot API at
 * `https://api.telegram.org/bot<token>/sendMessage` (spec.address is not used by Flux; here it replaces
 * the API base when set, so tests can use a loopback server), MarkdownV2 text, `channel` as the chat id
 * or `<chat id>:<thread id>`.
 */
import { encodeGoJson, GoStruct, type GoJson } from "../../core/go-json.ts";
import type { FluxEvent } from "../flux-event.ts";
import { JSON_HEADERS, metadataEntries, type NotifierFactory } from "../notifier.ts";

export const TELEGRAM_API = "https://api.telegram.org";
const SPECIAL = "\\.-_[]()~>`#+=|{}!*";

/** Telegram's MarkdownV2 escaping as Flux applies it: a backslash before each special character. */
export function escapeMarkdownV2(text: string): string {
  let out = "";
  for (const c of text) out += SPECIAL.includes(c) ? `\\${c}` : c;
  return out;
}

export function telegramText(event: FluxEvent): string {
  const io = event.involvedObject;
  const heading = `${event.severity === "error" ? "🚨" : "💫"} ${(io.kind ?? "").toLowerCase()}/${io.name ?? ""}/${io.namespace ?? ""}`;
  let metadata = "";
  for (const [k, v] of metadataEntries(event)) metadata += `\\- *${escapeMarkdownV2(k)}*: ${escapeMarkdownV2(v)}\n`;
  return `*${escapeMarkdownV2(heading)}*\n${escapeMarkdownV2(event.message)}\n${metadata}`;
}

export const telegram: NotifierFactory = (s) => {
  if (!s.channel) throw new Error("empty Telegram channel");
  if (!s.token) throw new Error("empty Telegram token");
  const base = (s.address || TELEGRAM_API).replace(/\/+$/, "");
  const url = `${base}/bot${s.token}/sendMessage`;
  const cut = s.channel.indexOf(":");
  const chatId = cut < 0 ? s.channel : s.channel.slice(0, cut);
  return {
    async post(event, http) {
      const fields: Array<[string, GoJson]> = [["chat_id", chatId]];
      if (cut >= 0 && s.channel!.slice(cut + 1)) fields.push(["message_thread_id", s.channel!.slice(cut + 1)]);
      fields.push(["text", telegramText(event)], ["parse_mode", "MarkdownV2"]);
      await http.send({ url, headers: { ...JSON_HEADERS }, body: encodeGoJson(new GoStruct(fields)) });
    },
  };
};
