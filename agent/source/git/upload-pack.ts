/**
 * A smart-HTTP git client for the two things a source needs (gitprotocol-http, gitprotocol-v2): list refs
 * and fetch one commit's objects. It asks for protocol v2 (`Git-Protocol: version=2`) and uses `ls-refs`
 * (with peeled tags) and `fetch` (`deepen 1`, `no-progress`, `ofs-delta`); a server that answers with the
 * v0 advertisement gets the v0 stateless exchange instead (refs from the advertisement, one want, `deepen
 * 1`, `side-band-64k`). Auth is a header: basic (username/password) or bearer. Network only through the
 * `Fetch` parameter. SSH is not supported.
 *
 * The packfile is parsed as it arrives (packfile.ts's PackReader behind a pkt-line splitter and the
 * sideband): each chunk of the response is read into objects and dropped, so neither the response nor
 * the pack is ever held whole, and a limit stops the download at the object header that passes it.
 *
 * Limits (DEFAULTS): response size, checked against Content-Length and while the body streams in, so an
 * endless or oversized pack is cut at the limit; every request and body read under the caller's deadline
 * (`signal`), so a server that drips bytes ends with a timeout.
 */
import type { Fetch } from "../../core/fetch.ts";
import { displayUrl, GitError } from "./git-error.ts";
import { DELIM, FLUSH, pktLine, pktText, PktSplitter, readPkts, sidebandData } from "./pkt-line.ts";
import { concat } from "../../core/bytes.ts";
import { LimitError } from "../../core/limits.ts";
import { DEFAULTS as ARTIFACT } from "../../artifact/unpack.ts";
import { PackReader, type GitObject, type ParsePackOptions } from "./packfile.ts";
import { DEFAULTS as HTTP, parseV0Advertisement, prepare, readBody, request, skipServiceLine, streamBody, type GitAuth, type RemoteRef } from "./smart-http.ts";

export type { GitAuth, RemoteRef };

export const DEFAULTS = {
  /**
   * Largest response body accepted (the packfile): the artifact's own size cap, since a depth-1 pack is
   * compressed and cannot be larger than the files it unpacks to without being refused at pack time
   * anyway; an endless pack stops here.
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
  /** Posts and hands the response to `take` chunk by chunk (see smart-http.ts streamBody). */
  postStreaming(body: Uint8Array[], take: (chunk: Uint8Array) => "done" | undefined): Promise<void>;
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
  const send = (body: Uint8Array[]): Promise<Response> =>
    request(options, "fetch", shown, `${base}/git-upload-pack`, {
      method: "POST",
      headers: {
        ...headers,
        "Content-Type": "application/x-git-upload-pack-request",
        Accept: "application/x-git-upload-pack-result",
        ...(version === 2 ? { "Git-Protocol": "version=2" } : {}),
      },
      body: concat(body) as Uint8Array<ArrayBuffer>,
    });
  const post = async (body: Uint8Array[]): Promise<Uint8Array> => readBody(await send(body), max, "fetch", shown, options);
  const postStreaming = async (body: Uint8Array[], take: (chunk: Uint8Array) => "done" | undefined): Promise<void> =>
    streamBody(await send(body), max, "fetch", shown, options, take);
  if (version === 2) {
    const capabilities = new Map<string, string>();
    for (const p of pkts.slice(1)) {
      if (p.type !== "data") break;
      const line = pktText(p.data);
      const eq = line.indexOf("=");
      capabilities.set(eq < 0 ? line : line.slice(0, eq), eq < 0 ? "" : line.slice(eq + 1));
    }
    return { url: shown, version, capabilities, post, postStreaming };
  }
  const { refs, capabilities } = parseV0Advertisement(pkts, shown);
  return { url: shown, version, capabilities, advertised: refs, post, postStreaming };
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

/**
 * Fetches the objects needed for `wants`, parsed as the pack arrives (`parse`: hashing, inflate, limits).
 * A refused or corrupt pack is a GitError ("limit", "corrupt") saying so; the download stops at a limit.
 */
export async function fetchObjects(conn: Connection, wants: string[], parse: ParsePackOptions, options: FetchPackOptions = {}): Promise<Map<string, GitObject>> {
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
  const pack = new PackReader(parse);
  const packed = <T>(step: () => T): T => {
    try {
      return step();
    } catch (err) {
      throw new GitError(err instanceof LimitError ? "limit" : "corrupt", `Cannot fetch ${conn.url}: ${(err as Error).message}`, { cause: err });
    }
  };
  // v2: sections (acknowledgments, shallow-info, wanted-refs) before "packfile"; v0: "shallow" lines, then
  // NAK or ACK. Neither is needed for a one-shot fetch. Then the pack in band 1 until a flush.
  let state: "preamble" | "pack" | "done" = "preamble";
  const lines = new PktSplitter();
  try {
    await conn.postStreaming(body, (chunk) => {
      for (const p of lines.push(chunk)) {
        if (state === "pack") {
          if (p.type !== "data") {
            state = "done";
            return "done";
          }
          const data = sidebandData(p.data);
          if (data) packed(() => pack.push(data));
        } else if (p.type === "data") {
          const line = pktText(p.data);
          checkErr(conn, line);
          if (conn.version === 2 ? line === "packfile" : line === "NAK" || line.startsWith("ACK ")) state = "pack";
        }
      }
      return undefined;
    });
    if (state === "preamble") {
      throw new GitError("protocol", `Cannot fetch ${conn.url}: ${conn.version === 2 ? "the response has no packfile section" : "the response has no packfile"}`);
    }
    if (state === "pack") lines.end();
  } catch (err) {
    if (err instanceof GitError) throw err;
    throw new GitError("protocol", `Cannot fetch ${conn.url}: ${(err as Error).message}`, { cause: err });
  }
  return packed(() => pack.end());
}

function checkErr(conn: Connection, line: string): void {
  if (!line.startsWith("ERR ")) return;
  const msg = line.slice(4);
  const notOurs = /not our ref ([0-9a-f]{40})/.exec(msg);
  if (notOurs) throw new GitError("ref-not-found", `Cannot fetch ${conn.url}: commit "${notOurs[1]}" not found`);
  throw new GitError("protocol", `Cannot fetch ${conn.url}: the server reported "${msg}"`);
}
