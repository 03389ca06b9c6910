/**
 * A smart-HTTP git client for the two things a source needs (gitprotocol-http, gitprotocol-v2): list refs
 * and fetch one commit's objects. It asks for protocol v2 (`Git-Protocol: version=2`) and uses `ls-refs`
 * (with peeled tags) and `fetch` (`deepen 1`, `no-progress`, `ofs-delta`); a server that answers with the
 * v0 advertisement gets the v0 stateless exchange instead (refs from the advertisement, one want, `deepen
 * 1`, `side-band-64k`). Auth is a header: basic (username/password) or bearer. Network only through the
 * `Fetch` parameter. SSH is not supported.
 *
 * Limits (DEFAULTS): response size (the packfile is held in memory), checked against Content-Length and
 * while the body streams in, so an endless or oversized pack is cut at the limit; every request and
 * body read under the caller's deadline (`signal`), so a server that drips bytes ends with a timeout.
 */
import type { Fetch } from "../../core/fetch.ts";
import { displayUrl, GitError } from "./git-error.ts";
import { DELIM, demuxSideband, FLUSH, pktLine, pktText, readPkts, type Pkt } from "./pkt-line.ts";
import { concat } from "../../core/bytes.ts";
import { DEFAULTS as ARTIFACT } from "../../artifact/unpack.ts";
import { DEFAULTS as HTTP, parseV0Advertisement, prepare, readBody, request, skipServiceLine, type GitAuth, type RemoteRef } from "./smart-http.ts";

export type { GitAuth, RemoteRef };

export const DEFAULTS = {
  /**
   * Largest response body accepted (the packfile, held in memory while it is parsed): the artifact's
   * own size cap, since a depth-1 pack is compressed and cannot be larger than the files it unpacks to
   * without being refused at pack time anyway; an endless pack stops here instead of at 1 GiB of RSS.
   */
  maxResponseBytes: ARTIFACT.maxSize,
  agent: HTTP.agent,
} as const;

export interface Connection {
  url: string;
  version: 0 | 2;
  /** v2: the capability lines (`fetch=shallow filter`); v0: the first ref line's capabilities. */
  capabilities: Map<string, string>;
  /** v0 only: refs from the advertisement. */
  advertised?: RemoteRef[];
  post(body: Uint8Array[]): Promise<Uint8Array>;
}

export interface ConnectOptions {
  url: string;
  fetch: Fetch;
  auth?: GitAuth;
  signal?: AbortSignal;
  /** Force a protocol version (tests); by default v2 is asked for and v0 accepted. */
  protocol?: 0 | 2;
  maxResponseBytes?: number;
  /** The deadline behind `signal`, only for the error message. */
  timeoutMs?: number;
}

/** Fetches the capability advertisement and returns a connection for the upload-pack requests. */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const { base, headers } = prepare(options, "fetch");
  const shown = displayUrl(options.url);
  const v2 = options.protocol !== 0;
  const max = options.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
  const get = await request(options, "fetch", shown, `${base}/info/refs?service=git-upload-pack`, {
    headers: { ...headers, ...(v2 ? { "Git-Protocol": "version=2" } : {}) },
  });
  const type = get.headers.get("content-type") ?? "";
  if (!type.startsWith("application/x-git-upload-pack-advertisement")) {
    throw new GitError("protocol", `Cannot fetch ${shown}: the server does not speak git's smart HTTP protocol (content type "${type}")`);
  }
  const adv = await readBody(get, max, "fetch", shown, options);
  // Servers may start with "# service=git-upload-pack" and a flush (always in v0, optional in v2).
  const pkts = skipServiceLine([...readPkts(adv)]);
  const first = pkts[0];
  const version: 0 | 2 = first?.type === "data" && pktText(first.data) === "version 2" ? 2 : 0;
  const post = async (body: Uint8Array[]): Promise<Uint8Array> => {
    const res = await request(options, "fetch", shown, `${base}/git-upload-pack`, {
      method: "POST",
      headers: {
        ...headers,
        "Content-Type": "application/x-git-upload-pack-request",
        Accept: "application/x-git-upload-pack-result",
        ...(version === 2 ? { "Git-Protocol": "version=2" } : {}),
      },
      body: concat(body) as Uint8Array<ArrayBuffer>,
    });
    return readBody(res, max, "fetch", shown, options);
  };
  if (version === 2) {
    const capabilities = new Map<string, string>();
    for (const p of pkts.slice(1)) {
      if (p.type !== "data") break;
      const line = pktText(p.data);
      const eq = line.indexOf("=");
      capabilities.set(eq < 0 ? line : line.slice(0, eq), eq < 0 ? "" : line.slice(eq + 1));
    }
    return { url: shown, version, capabilities, post };
  }
  const { refs, capabilities } = parseV0Advertisement(pkts, shown);
  return { url: shown, version, capabilities, advertised: refs, post };
}

/** Lists refs whose names start with one of `prefixes` (all refs when empty), with peeled tag targets. */
export async function listRefs(conn: Connection, prefixes: string[]): Promise<RemoteRef[]> {
  if (conn.version === 0) {
    const refs = conn.advertised ?? [];
    return prefixes.length === 0 ? refs : refs.filter((r) => prefixes.some((p) => r.name.startsWith(p)));
  }
  const body = [pktLine("command=ls-refs\n"), pktLine(`agent=${DEFAULTS.agent}\n`), DELIM, pktLine("peel\n")];
  for (const p of prefixes) body.push(pktLine(`ref-prefix ${p}\n`));
  body.push(FLUSH);
  const out: RemoteRef[] = [];
  for (const p of readPkts(await conn.post(body))) {
    if (p.type !== "data") break;
    const line = pktText(p.data);
    checkErr(conn, line);
    const [id, name, ...attrs] = line.split(" ");
    if (!id || !name) throw new GitError("protocol", `Cannot list the refs of ${conn.url}: malformed ls-refs line "${line}"`);
    const ref: RemoteRef = { name, id };
    for (const a of attrs) if (a.startsWith("peeled:")) ref.peeled = a.slice(7);
    out.push(ref);
  }
  return out;
}

export interface FetchPackOptions {
  /** Shallow depth (1 for a source checkout); undefined for full history. */
  depth?: number;
  /** An object filter such as "tree:0" (only when the server advertises `filter`). */
  filter?: string;
}

/** Whether the server can apply object filters in fetch (`filter` in v2's fetch capability). */
export function supportsFilter(conn: Connection): boolean {
  if (conn.version === 2) return (conn.capabilities.get("fetch") ?? "").split(" ").includes("filter");
  return conn.capabilities.has("filter");
}

/** Fetches the objects needed for `wants` and returns the raw packfile bytes. */
export async function fetchPack(conn: Connection, wants: string[], options: FetchPackOptions = {}): Promise<Uint8Array> {
  const body: Uint8Array[] = [];
  if (conn.version === 2) {
    body.push(pktLine("command=fetch\n"), pktLine(`agent=${DEFAULTS.agent}\n`), DELIM);
    body.push(pktLine("ofs-delta\n"), pktLine("no-progress\n"));
    if (options.depth) body.push(pktLine(`deepen ${options.depth}\n`));
    if (options.filter) body.push(pktLine(`filter ${options.filter}\n`));
    for (const w of wants) body.push(pktLine(`want ${w}\n`));
    body.push(pktLine("done\n"), FLUSH);
  } else {
    const caps = ["side-band-64k", "ofs-delta", "no-progress", `agent=${DEFAULTS.agent}`];
    if (options.depth) caps.push("shallow");
    if (options.filter) caps.push("filter");
    wants.forEach((w, i) => body.push(pktLine(i === 0 ? `want ${w} ${caps.join(" ")}\n` : `want ${w}\n`)));
    if (options.depth) body.push(pktLine(`deepen ${options.depth}\n`));
    if (options.filter) body.push(pktLine(`filter ${options.filter}\n`));
    body.push(FLUSH, pktLine("done\n"));
  }
  const res = await conn.post(body);
  const pkts = readPkts(res);
  try {
    return conn.version === 2 ? readV2Fetch(conn, pkts) : readV0Fetch(conn, pkts);
  } catch (err) {
    if (err instanceof GitError) throw err;
    throw new GitError("protocol", `Cannot fetch ${conn.url}: ${(err as Error).message}`, { cause: err });
  }
}

function readV2Fetch(conn: Connection, pkts: Iterator<Pkt>): Uint8Array {
  for (let r = pkts.next(); !r.done; r = pkts.next()) {
    const p = r.value;
    if (p.type !== "data") continue;
    const line = pktText(p.data);
    checkErr(conn, line);
    if (line === "packfile") return demuxSideband(pkts);
    // acknowledgments, shallow-info and wanted-refs sections are not needed for a one-shot fetch.
  }
  throw new GitError("protocol", `Cannot fetch ${conn.url}: the response has no packfile section`);
}

function readV0Fetch(conn: Connection, pkts: Iterator<Pkt>): Uint8Array {
  for (let r = pkts.next(); !r.done; r = pkts.next()) {
    const p = r.value;
    if (p.type !== "data") continue;
    const text = pktText(p.data);
    checkErr(conn, text);
    if (text === "NAK" || text.startsWith("ACK ")) return demuxSideband(pkts);
    // "shallow <id>" lines precede the NAK when deepening.
  }
  throw new GitError("protocol", `Cannot fetch ${conn.url}: the response has no packfile`);
}

function checkErr(conn: Connection, line: string): void {
  if (!line.startsWith("ERR ")) return;
  const msg = line.slice(4);
  const notOurs = /not our ref ([0-9a-f]{40})/.exec(msg);
  if (notOurs) throw new GitError("ref-not-found", `Cannot fetch ${conn.url}: commit "${notOurs[1]}" not found`);
  throw new GitError("protocol", `Cannot fetch ${conn.url}: the server reported "${msg}"`);
}
