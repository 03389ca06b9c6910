/**
 * A read-only HTTP server for fixed files on 127.0.0.1 (the demo's Helm chart repository: index.yaml
 * and a chart .tgz). GET or HEAD of a known path answers its bytes; anything else is 404 or 405. The
 * caller builds the files; this module only serves them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StaticServer {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  stop(): Promise<void>;
}

export async function startStaticServer(files: Record<string, { body: Uint8Array | string; type: string }>): Promise<StaticServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    const file = files[new URL(req.url ?? "/", "http://x").pathname];
    if (!file) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
      return;
    }
    const body = typeof file.body === "string" ? new TextEncoder().encode(file.body) : file.body;
    res.writeHead(200, { "Content-Type": file.type, "Content-Length": String(body.length) });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
