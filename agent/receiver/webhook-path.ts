/**
 * The path a Receiver is served on, as notification-controller computes it: `/hook/` followed by the
 * hex SHA-256 of the token, the Receiver's name and its namespace, concatenated with no separator. A
 * sender must know the token to find the path, and a rotated token moves the hook.
 */
import { hex } from "./hmac.ts";

export const WEBHOOK_PREFIX = "/hook/";

export async function webhookPath(token: string, name: string, namespace: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token + name + namespace));
  return WEBHOOK_PREFIX + hex(new Uint8Array(digest));
}
