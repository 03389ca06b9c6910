import { expect, test } from "bun:test";
import { listenerLayout, parseAddr } from "./listeners.ts";

const brief = (flags: Parameters<typeof listenerLayout>[0]) => listenerLayout(flags).map((l) => `${l.name} ${l.host}:${l.port} ${l.paths.join(" ")}`);

test("by default probes and metrics listen on all interfaces and the artifacts on loopback only", () => {
  expect(brief({})).toEqual([
    "probes 0.0.0.0:9440 /healthz /readyz /metrics /hook/<digest>",
    "artifacts 127.0.0.1:9090 /<kind>/<namespace>/<name>/<file>",
  ]);
});

test("the artifacts are opened to the namespace only when asked, and webhooks move to their own address", () => {
  expect(brief({ storageAddr: "0.0.0.0:9090", receiverAddr: ":9292", notificationAddr: "127.0.0.1:9690" })).toEqual([
    "probes 0.0.0.0:9440 /healthz /readyz /metrics",
    "artifacts 0.0.0.0:9090 /<kind>/<namespace>/<name>/<file>",
    "receivers 0.0.0.0:9292 /hook/<digest>",
    "events 127.0.0.1:9690 POST /",
  ]);
});

test("listeners are refused when two share a fixed port; port 0 never clashes", () => {
  expect(() => listenerLayout({ storageAddr: "0.0.0.0:9440" })).toThrow("the artifacts address 0.0.0.0:9440 uses the port of the probes address: give each its own port");
  expect(() => listenerLayout({ healthAddr: "127.0.0.1:9090" })).toThrow("the artifacts address 127.0.0.1:9090 uses the port of the probes address: give each its own port");
  expect(brief({ healthAddr: "127.0.0.1:0", storageAddr: "127.0.0.1:0" }).map((l) => l.split(" ")[1])).toEqual(["127.0.0.1:0", "127.0.0.1:0"]);
});

test("addresses are host:port, IPv6 in brackets, an empty host meaning all interfaces", () => {
  const cases: Array<[string, { host: string; port: number } | string]> = [
    ["127.0.0.1:9090", { host: "127.0.0.1", port: 9090 }],
    [":9090", { host: "0.0.0.0", port: 9090 }],
    ["[::1]:9090", { host: "::1", port: 9090 }],
    ["localhost", '--storage-addr must be host:port, not "localhost"'],
    ["h:", '--storage-addr must be host:port, not "h:"'],
    ["h:70000", '--storage-addr must be host:port, not "h:70000"'],
  ];
  for (const [text, want] of cases) {
    if (typeof want === "string") expect(() => parseAddr(text, "--storage-addr")).toThrow(want);
    else expect(parseAddr(text, "--storage-addr")).toEqual(want);
  }
});
