/**
 * What the commit-status providers share (internal/notifier/util.go, provider_commit_status.go): the
 * repository in a Git address, the commit hash in a Flux revision, the status description from the
 * event's reason, and the default status id `lower(<kind>/<name>/<first segment of the Provider UID>)`.
 */
import type { FluxEvent } from "../flux-event.ts";

/** `https://host/owner/repo(.git)`, `ssh://git@host/owner/repo`, `git@host:owner/repo` → host URL and repository id. */
export function parseGitAddress(address: string): { host: string; id: string } {
  const scp = /^([^@/:]+@)?([^/:]+):(?!\/\/)(.+)$/.exec(address);
  let scheme: string;
  let host: string;
  let path: string;
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(address)) {
    scheme = "https";
    host = scp[2]!;
    path = scp[3]!;
  } else {
    let u: URL;
    try {
      u = new URL(address);
    } catch {
      throw new Error(`failed parsing URL "${address}"`);
    }
    scheme = u.protocol.replace(/:$/, "");
    if (scheme === "ssh") scheme = "https";
    host = u.host;
    path = decodeURIComponent(u.pathname);
  }
  const id = path.replace(/^\/+/, "").replace(/\.git$/, "");
  return { host: `${scheme}://${host}`, id };
}

/** The commit hash of a revision: `main@sha1:<hex>`, `sha256:<hex>`, legacy `main/<hex>` or a bare hash. */
export function commitOf(revision: string): string {
  const at = revision.lastIndexOf("@");
  const r = at >= 0 ? revision.slice(at + 1) : revision;
  const colon = r.indexOf(":");
  let hash: string;
  if (colon >= 0) {
    const algo = r.slice(0, colon);
    hash = algo === "sha1" || algo === "sha256" ? r.slice(colon + 1) : "";
  } else {
    hash = r.slice(r.lastIndexOf("/") + 1);
  }
  if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(hash)) throw new Error(`failed to extract commit hash from '${revision}' revision`);
  return hash;
}

/** Go's splitCamelcase: runs of lower, upper, digit and other characters, an upper run's last letter moved before a lower run. */
export function splitCamelcase(src: string): string[] {
  const cls = (c: string) => (/\p{Ll}/u.test(c) ? 1 : /\p{Lu}/u.test(c) ? 2 : /\p{Nd}/u.test(c) ? 3 : 4);
  const runs: string[][] = [];
  let last = 0;
  for (const c of src) {
    const k = cls(c);
    if (k === last) runs[runs.length - 1]!.push(c);
    else runs.push([c]);
    last = k;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    if (/\p{Lu}/u.test(runs[i]![0]!) && /\p{Ll}/u.test(runs[i + 1]![0]!)) runs[i + 1]!.unshift(runs[i]!.pop()!);
  }
  return runs.filter((r) => r.length).map((r) => r.join(""));
}

/** formatNameAndDescription: `lower(<kind>/<name>)` and the reason split into lower-case words. */
export function nameAndDescription(event: FluxEvent): { name: string; description: string } {
  return {
    name: `${event.involvedObject.kind ?? ""}/${event.involvedObject.name ?? ""}`.toLowerCase(),
    description: splitCamelcase(event.reason).join(" ").toLowerCase(),
  };
}

/** generateDefaultCommitStatus. */
export function defaultCommitStatus(providerUid: string, event: FluxEvent): string {
  return `${event.involvedObject.kind ?? ""}/${event.involvedObject.name ?? ""}/${providerUid.split("-")[0]}`.toLowerCase();
}

/** The revision and its commit, or the error Flux's commit-status notifiers give. */
export function eventCommit(event: FluxEvent): string {
  const revision = event.metadata?.revision;
  if (revision === undefined) throw new Error("missing revision metadata");
  return commitOf(revision);
}
