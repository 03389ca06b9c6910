/**
 * The event address (`--notification-addr`), as notification-controller's event server: `POST /` takes a
 * Flux event object (event.toolkit.fluxcd.io/v1beta1) so other controllers and tools in the namespace
 * report through the agent's Alerts. 202 when handled, 429 for a duplicate within the rate-limit window,
 * 400 for a body that is not an event, 413 past `maxBodyBytes` (read no further), 405 for other methods.
 */
import { readBounded } from "../core/bounded-read.ts";
import { Hono } from "hono";
import { parseFluxEvent, type FluxEvent } from "../notify/flux-event.ts";

export const DEFAULTS = {
  /** notification-controller's maxRequestSizeBytes. */
  maxBodyBytes: 3 * 1024 * 1024,
};

export interface EventAppOptions {
  submit(event: FluxEvent): Promise<"duplicate" | "unmatched" | "dispatched">;
  maxBodyBytes?: number;
  onError?(message: string): void;
}

/** The body as text, or undefined once it grows past `limit` bytes (the rest is not read). */
export async function readLimited(req: Request, limit: number): Promise<string | undefined> {
  const body = await readBounded(req.body, req.headers.get("content-length"), limit);
  return body === "too large" ? undefined : new TextDecoder().decode(body);
}

export function createEventApp(o: EventAppOptions): Hono {
  const app = new Hono();
  const limit = o.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  app.post("/", async (c) => {
    const text = await readLimited(c.req.raw, limit);
    if (text === undefined) {
      o.onError?.(`event rejected: request body exceeds the maximum size of ${limit} bytes`);
      return c.body(null, 413);
    }
    let event: FluxEvent;
    try {
      event = parseFluxEvent(text);
    } catch (err) {
      o.onError?.(`event rejected: ${(err as Error).message}`);
      return c.body(null, 400);
    }
    const result = await o.submit(event);
    return c.body(null, result === "duplicate" ? 429 : 202);
  });
  app.all("/", (c) => c.body(null, 405));
  return app;
}
