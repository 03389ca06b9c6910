/**
 * `bitbucketserver` build statuses (internal/notifier/bitbucketserver.go): the address is the HTTP(S) clone
 * URL `<base>/scm/<PROJECT>/<repo>.git`; skip Progressing events; `GET
 * <base>/rest/api/latest/projects/<PROJECT>/repos/<repo>/commits/<sha>/builds?key=<sha1(status id)>` (404 is
 * "none yet") and skip an identical status, else POST `{description, key, name: "<kind>/<name> [<desc>]",
 * state: SUCCESSFUL|FAILED, url: <provider address>}` (json.Encoder, so a trailing newline). Bearer token,
 * else basic auth; `x-atlassian-token: no-check`, `x-requested-with: XMLHttpRequest`.
 */
import { encodeGoJson, GoStruct } from "../../core/go-json.ts";
import { basicAuth, type NotifierFactory } from "../notifier.ts";
import { defaultCommitStatus, eventCommit, nameAndDescription } from "./git-commit.ts";
import { sha1Hex } from "../digest.ts";

export function bitbucketServerCommits(address: string): string {
  let u: URL;
  try {
    u = new URL(address);
  } catch (err) {
    throw new Error(`could not parse git address: ${(err as Error).message}`);
  }
  const scheme = u.protocol.replace(/:$/, "");
  if (scheme !== "http" && scheme !== "https") throw new Error(`could not parse git address: unsupported scheme type in address: ${scheme}. Must be http or https`);
  const path = u.pathname.replace(/\.git$/, "");
  const at = path.lastIndexOf("/scm/");
  if (at < 0) throw new Error("could not parse git address: supplied provider address is not http(s) git clone url");
  const id = path.slice(at + "/scm/".length);
  const parts = id.split("/");
  if (parts.length !== 2) throw new Error(`could not parse git address: invalid repository id "${id}"`);
  return `${u.protocol}//${u.host}${path.slice(0, at)}/rest/api/latest/projects/${parts[0]}/repos/${parts[1]}/commits`;
}

export const bitbucketserver: NotifierFactory = (s) => {
  const commits = bitbucketServerCommits(s.address);
  if (!s.token && (!s.username || !s.password)) throw new Error("invalid credentials, expected to be one of username/password or API Token");
  const headers = {
    Authorization: s.token ? `Bearer ${s.token}` : basicAuth(s.username!, s.password!),
    "x-atlassian-token": "no-check",
    "x-requested-with": "XMLHttpRequest",
  };
  return {
    async post(event, http) {
      if (event.reason === "Progressing") return;
      const sha = eventCommit(event);
      if (event.severity !== "info" && event.severity !== "error") throw new Error("couldn't convert to bitbucket server state: bitbucket server state generated on info or error events only");
      const state = event.severity === "info" ? "SUCCESSFUL" : "FAILED";
      const nd = nameAndDescription(event);
      const name = `${nd.name} [${nd.description}]`;
      const key = await sha1Hex(s.commitStatus ?? defaultCommitStatus(s.providerUid ?? "", event));
      const url = `${commits}/${sha}/builds`;
      const got = await http.send({ method: "GET", url: `${url}?key=${key}`, headers, okStatuses: [404] }).catch((err: Error) => {
        throw new Error(`could not get existing commit status: failed api call to check duplicate commit status: ${err.message}`);
      });
      if (got.status === 200) {
        const have = JSON.parse(got.text) as { key?: string; state?: string; description?: string; name?: string };
        if (have.key === key && have.state === state && have.description === nd.description && have.name === name) return;
      }
      const body = `${encodeGoJson(new GoStruct([["description", nd.description], ["key", key], ["name", name], ["state", state], ["url", s.address]]))}\n`;
      await http.send({ url, headers: { ...headers, "Content-Type": "application/json" }, body }).catch((err: Error) => {
        throw new Error(`could not post build status: ${err.message}`);
      });
    },
  };
};
