/**
 * Which address serves what in `rivulet run`. Probes and metrics sit on `--health-addr` (all interfaces
 * by default: the kubelet and Prometheus reach them from outside the pod), Receiver webhooks beside them
 * unless `--receiver-addr` gives them their own, and the stored artifacts on `--storage-addr` (Flux's
 * flag name), loopback by default: their consumers are the agent itself, which reads the store
 * in-process, and tools in the same namespace, for which the address is opened on purpose
 * (`--storage-addr 0.0.0.0:9090`, with deploy/tenant/network-policy.yaml limiting it to the namespace).
 */
import { UsageError } from "./command.ts";

export const DEFAULTS = {
  healthAddr: "0.0.0.0:9440",
  storageAddr: "127.0.0.1:9090",
} as const;

export type ListenerName = "probes" | "artifacts" | "receivers" | "events";

export interface Listener {
  name: ListenerName;
  host: string;
  port: number;
  /** Route patterns it serves (for the log line and the tests). */
  paths: string[];
}

export interface ListenerFlags {
  healthAddr?: string;
  storageAddr?: string;
  receiverAddr?: string;
  notificationAddr?: string;
}

const HOOKS = "/hook/<digest>";

export function listenerLayout(f: ListenerFlags): Listener[] {
  const health = parseAddr(f.healthAddr ?? DEFAULTS.healthAddr, "--health-addr");
  const storage = parseAddr(f.storageAddr ?? DEFAULTS.storageAddr, "--storage-addr");
  const out: Listener[] = [
    { name: "probes", ...health, paths: ["/healthz", "/readyz", "/metrics", ...(f.receiverAddr ? [] : [HOOKS])] },
    { name: "artifacts", ...storage, paths: ["/<kind>/<namespace>/<name>/<file>"] },
  ];
  if (f.receiverAddr) out.push({ name: "receivers", ...parseAddr(f.receiverAddr, "--receiver-addr"), paths: [HOOKS] });
  if (f.notificationAddr) out.push({ name: "events", ...parseAddr(f.notificationAddr, "--notification-addr"), paths: ["POST /"] });
  // Two servers cannot share a fixed port; port 0 always picks a fresh one.
  const seen = new Map<string, ListenerName>();
  for (const l of out) {
    if (l.port === 0) continue;
    const clash = seen.get(String(l.port));
    if (clash) throw new UsageError(`the ${l.name} address ${l.host}:${l.port} uses the port of the ${clash} address: give each its own port`);
    seen.set(String(l.port), l.name);
  }
  return out;
}

/** `host:port` (host may be empty for all interfaces, IPv6 in brackets); port 0 picks a free port. */
export function parseAddr(s: string, flag: string): { host: string; port: number } {
  const i = s.lastIndexOf(":");
  const port = Number(s.slice(i + 1));
  if (i < 0 || s.slice(i + 1) === "" || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} must be host:port, not "${s}"`);
  return { host: s.slice(0, i).replace(/^\[(.*)\]$/, "$1") || "0.0.0.0", port };
}
