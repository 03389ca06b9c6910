/**
 * `generic` and `generic-hmac` (internal/notifier/forwarder.go): the event itself, as json.Marshal writes
 * it, POSTed to the address with `gotk-component: <reportingController>` and the Secret's headers;
 * generic-hmac adds `X-Signature: sha256=<hex HMAC-SHA256(token, body)>` over the exact bytes sent.
 */
import { encodeFluxEvent } from "../flux-event.ts";
import { JSON_HEADERS, requireUrl, type NotifierFactory } from "../notifier.ts";
import { hmacSha256Hex } from "../digest.ts";

export const NOTIFICATION_HEADER = "gotk-component";

function forwarder(hmac: boolean): NotifierFactory {
  return (s) => {
    requireUrl(s.address, "hook");
    if (hmac && !s.token) throw new Error("HMAC key is empty");
    return {
      async post(event, http) {
        const body = encodeFluxEvent(event);
        const headers: Record<string, string> = { ...JSON_HEADERS, [NOTIFICATION_HEADER]: event.reportingController, ...(s.headers ?? {}) };
        if (hmac) headers["X-Signature"] = `sha256=${await hmacSha256Hex(s.token!, body)}`;
        await http.send({ url: s.address, headers, body });
      },
    };
  };
}

export const generic = forwarder(false);
export const genericHmac = forwarder(true);
