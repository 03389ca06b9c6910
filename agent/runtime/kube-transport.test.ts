import { expect, test } from "bun:test";
import { createServer } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "./kube-transport.ts";

test("requests sharing a long-lived signal leave no abort listener behind once they finish", async () => {
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/watch")) {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"type":"ADDED"}\n');
      return; // a watch stays open until the client drops it
    }
    res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const dir = mkdtempSync(join(tmpdir(), "rivulet-transport-"));
  try {
    const port = (server.address() as { port: number }).port;
    const kc = join(dir, "kubeconfig");
    writeFileSync(kc, `apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: 'http://127.0.0.1:${port}'}}]\nusers: [{name: u, user: {token: t}}]\n`);
    const { transport } = connect({ kubeconfig: kc });

    const signal = new AbortController().signal;
    let listeners = 0;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, fn: EventListener, o?: AddEventListenerOptions) => (listeners++, add(type, fn, o))) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, fn: EventListener, o?: EventListenerOptions) => (listeners--, remove(type, fn, o))) as typeof signal.removeEventListener;

    for (let i = 0; i < 20; i++) {
      const res = await transport({ method: "GET", path: "/api", signal });
      expect(JSON.parse(await res.text())).toEqual({ ok: true });
    }
    for (let i = 0; i < 5; i++) {
      const res = await transport({ method: "GET", path: "/watch", signal });
      for await (const line of res.lines()) {
        expect(JSON.parse(line)).toEqual({ type: "ADDED" });
        break; // the consumer stops reading: lines() drops the connection
      }
    }
    // "close" events arrive on the next turns of the event loop.
    for (let i = 0; i < 50 && listeners > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(listeners).toBe(0);
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
