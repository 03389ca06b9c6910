/**
 * The push half of git's smart HTTP (gitprotocol-http, gitprotocol-pack "Pushing Data To a Server"):
 * `GET info/refs?service=git-receive-pack` for the refs and capabilities (receive-pack speaks only the
 * v0 exchange), then one `POST git-receive-pack` with the ref update commands, the push options when the
 * server advertises `push-options`, and the packfile; the answer is report-status, inside side-band-64k
 * when the server offers it. Several updates go `atomic` when the server can, so they land together.
 *
 * Never forced: every update names the old id it expects. When the advertised ref is not that id the push
 * stops before sending anything, and when it moves between the advertisement and the POST the server
 * refuses the update; both end as PushRaceError, which the caller handles by checking out again.
 *
 * Limits (DEFAULTS): the response size; only SHA-1 repositories.
 */
import { concat } from "../../core/bytes.ts";
import { displayUrl, GitError, PushRaceError } from "./git-error.ts";
import { FLUSH, pktLine, pktText, readPkts } from "./pkt-line.ts";
import { DEFAULTS as HTTP, parseV0Advertisement, prepare, readBody, request, skipServiceLine, type HttpOptions, type RemoteRef } from "./smart-http.ts";

export const DEFAULTS = {
  /** Largest answer accepted (report-status and progress), 16 MiB. */
  maxResponseBytes: 16 * 1024 * 1024,
} as const;

export const ZERO_ID = "0".repeat(40);

export interface ReceivePackConnection {
  url: string;
  refs: RemoteRef[];
  capabilities: Map<string, string>;
  post(body: Uint8Array[]): Promise<Uint8Array>;
}

export interface RefUpdate {
  /** The remote ref, e.g. refs/heads/auto. */
  ref: string;
  /** The id the ref must have now (ZERO_ID: it must not exist). */
  old: string;
  new: string;
}

export interface RefStatus {
  ref: string;
  ok: boolean;
  /** The server's reason for an `ng` line. */
  reason?: string;
}

export interface SendPackOptions {
  /** Push options (`git push -o`), e.g. "merge_request.create"; refused unless the server advertises push-options. */
  pushOptions?: string[];
}

/** Fetches receive-pack's advertisement: the remote refs and what the server can do. */
export async function connectReceivePack(options: HttpOptions & { maxResponseBytes?: number }): Promise<ReceivePackConnection> {
  const { base, headers } = prepare(options, "push to");
  const shown = displayUrl(options.url);
  const max = options.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
  const get = await request(options, "push to", shown, `${base}/info/refs?service=git-receive-pack`, { headers });
  const type = get.headers.get("content-type") ?? "";
  if (!type.startsWith("application/x-git-receive-pack-advertisement")) {
    await get.body?.cancel().catch(() => {});
    throw new GitError("protocol", `Cannot push to ${shown}: the server does not offer git's smart HTTP push (content type "${type}")`);
  }
  const pkts = skipServiceLine([...readPkts(await readBody(get, max, "push to", shown))]);
  const { refs, capabilities } = parseV0Advertisement(pkts, shown);
  const format = capabilities.get("object-format");
  if (format && format !== "sha1") throw new GitError("unsupported", `Cannot push to ${shown}: object format "${format}" is not supported`);
  const post = async (body: Uint8Array[]): Promise<Uint8Array> => {
    const res = await request(options, "push to", shown, `${base}/git-receive-pack`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/x-git-receive-pack-request", Accept: "application/x-git-receive-pack-result" },
      body: concat(body) as Uint8Array<ArrayBuffer>,
    });
    return readBody(res, max, "push to", shown);
  };
  return { url: shown, refs, capabilities, post };
}

/** The id a remote ref has in the advertisement, ZERO_ID when it does not exist. */
export function remoteId(conn: ReceivePackConnection, ref: string): string {
  return conn.refs.find((r) => r.name === ref)?.id ?? ZERO_ID;
}

/**
 * Sends the updates and the pack, and returns each ref's status. Throws PushRaceError when a ref is not
 * (or no longer) at its expected old id, GitError "push-rejected" for any other refusal.
 */
export async function sendPack(conn: ReceivePackConnection, updates: RefUpdate[], pack: Uint8Array, options: SendPackOptions = {}): Promise<RefStatus[]> {
  if (updates.length === 0) return [];
  for (const u of updates) {
    const now = remoteId(conn, u.ref);
    if (now !== u.old) throw raceError(conn, u.ref, u.old === ZERO_ID ? `it exists at ${now}` : now === ZERO_ID ? "it was deleted" : `it moved from ${u.old} to ${now}`);
  }
  const caps = ["report-status"];
  const has = (c: string) => conn.capabilities.has(c);
  if (has("side-band-64k")) caps.push("side-band-64k");
  if (has("quiet")) caps.push("quiet");
  if (updates.length > 1 && has("atomic")) caps.push("atomic");
  const pushOptions = options.pushOptions ?? [];
  if (pushOptions.length > 0) {
    if (!has("push-options")) throw new GitError("push-rejected", `Cannot push to ${conn.url}: the server does not support push options`);
    const bad = pushOptions.find((o) => o.includes("\n") || o.includes("\0"));
    if (bad !== undefined) throw new GitError("push-rejected", `Cannot push to ${conn.url}: push option ${JSON.stringify(bad)} contains a newline or NUL`);
    caps.push("push-options");
  }
  caps.push(`agent=${HTTP.agent}`);
  const body: Uint8Array[] = updates.map((u, i) => pktLine(`${u.old} ${u.new} ${u.ref}${i === 0 ? `\0${caps.join(" ")}` : ""}\n`));
  body.push(FLUSH);
  if (pushOptions.length > 0) body.push(...pushOptions.map((o) => pktLine(`${o}\n`)), FLUSH);
  body.push(pack);
  const answer = await conn.post(body);
  let statuses: RefStatus[];
  try {
    statuses = parseReportStatus(caps.includes("side-band-64k") ? sideband(answer) : answer);
  } catch (err) {
    const problem = err instanceof GitError ? err.problem : "protocol";
    throw new GitError(problem, `Cannot push to ${conn.url}: ${(err as Error).message}`, { cause: err });
  }
  for (const u of updates) {
    const s = statuses.find((x) => x.ref === u.ref);
    if (!s) throw new GitError("protocol", `Cannot push to ${conn.url}: the server reported no status for ${u.ref}`);
    if (s.ok) continue;
    if (isRace(s.reason ?? "")) throw raceError(conn, u.ref, `the server refused the update (${s.reason})`);
    throw new GitError("push-rejected", `Cannot push to ${conn.url}: the server rejected ${u.ref} (${s.reason})`);
  }
  return statuses;
}

function raceError(conn: ReceivePackConnection, ref: string, why: string): PushRaceError {
  return new PushRaceError(ref, `Cannot push to ${conn.url}: ${ref} is not at the commit the change was made on, ${why}; check out again and retry`);
}

/** Reasons receive-pack gives when the ref is not at the old id the command named. */
function isRace(reason: string): boolean {
  return /fetch first|non-fast-forward|failed to lock|cannot lock ref|failed to update ref|stale info|already exists/.test(reason);
}

/** Band 1 of a side-band-64k answer (the report-status pkt-lines); band 3 is a fatal error. */
function sideband(answer: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const p of readPkts(answer)) {
    if (p.type !== "data") break;
    const band = p.data[0];
    if (band === 1) parts.push(p.data.subarray(1));
    else if (band === 3) throw new GitError("push-rejected", `the server reported "${pktText(p.data.subarray(1))}"`);
    else if (band !== 2) throw new Error(`unknown sideband ${band}`);
  }
  return concat(parts);
}

/** `unpack ok|<error>`, then `ok <ref>` or `ng <ref> <reason>` per command, then a flush. */
export function parseReportStatus(data: Uint8Array): RefStatus[] {
  const lines: string[] = [];
  for (const p of readPkts(data)) {
    if (p.type !== "data") break;
    lines.push(pktText(p.data));
  }
  const unpack = lines.shift();
  if (unpack === undefined || !unpack.startsWith("unpack ")) throw new Error(`the answer has no report-status ("${unpack ?? ""}")`);
  if (unpack !== "unpack ok") throw new GitError("push-rejected", `the server could not unpack the pack (${unpack.slice(7)})`);
  const out: RefStatus[] = [];
  for (const line of lines) {
    if (line.startsWith("ok ")) out.push({ ref: line.slice(3), ok: true });
    else if (line.startsWith("ng ")) {
      const sp = line.indexOf(" ", 3);
      out.push(sp < 0 ? { ref: line.slice(3), ok: false, reason: "" } : { ref: line.slice(3, sp), ok: false, reason: line.slice(sp + 1) });
    } else if (!line.startsWith("option ")) throw new Error(`unexpected report-status line "${line}"`);
  }
  return out;
}
