/**
 * Serves a fetch handler (the Hono app) on the runtime's own HTTP server: Bun.serve, Deno.serve, or
 * node:http with a small Request/Response bridge on Node.
 */
import { createServer } from "node:http";

export interface Served {
  port: number;
  close(): Promise<void>;
}

type Handler = (req: Request) => Response | Promise<Response>;

export async function serve(handler: Handler, hostname: string, port: number): Promise<Served> {
  const g = globalThis as {
    Bun?: { serve(o: unknown): { port: number; stop(force?: boolean): unknown } };
    Deno?: { serve(o: unknown, h: Handler): { addr: { port: number }; shutdown(): Promise<void> } };
  };
  if (g.Bun) {
    const s = g.Bun.serve({ fetch: handler, hostname, port });
    return { port: s.port, close: async () => void (await s.stop(true)) };
  }
  if (g.Deno) {
    const s = g.Deno.serve({ hostname, port, onListen() {} }, handler);
    return { port: s.addr.port, close: () => s.shutdown() };
  }
  const server = createServer(async (req, res) => {
    const chunks: Uint8Array[] = [];
    for await (const c of req) chunks.push(c as Uint8Array);
    const body = chunks.length && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
    const r = await handler(
      new Request(`http://${req.headers.host ?? "localhost"}${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body,
      }),
    );
    res.writeHead(r.status, Object.fromEntries(r.headers));
    res.end(Buffer.from(await r.arrayBuffer()));
  });
  await new Promise<void>((res) => server.listen(port, hostname, res));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((res) => server.close(() => res())),
  };
}
