/**
 * `bitbucket` (Cloud) commit statuses (internal/notifier/bitbucket.go, through go-bitbucket): the address
 * only names `<owner>/<repo>`; the API is always `https://api.bitbucket.org/2.0`. The token is
 * `<user>:<app password>` (basic auth). Skip Progressing events; `GET
 * .../commit/<sha>/statuses/build/<sha1(status id)>` (404 is "none yet") and skip one with the same state
 * and description, else `POST .../commit/<sha>/statuses/build` `{key, url: "https://bitbucket.org", state:
 * SUCCESSFUL|FAILED, name: <kind>/<name>, description}`.
 */
import { encodeGoJson, GoStruct } from "../../core/go-json.ts";
import { basicAuth, JSON_HEADERS, type NotifierFactory } from "../notifier.ts";
import { defaultCommitStatus, eventCommit, nameAndDescription, parseGitAddress } from "./git-commit.ts";
import { sha1Hex } from "../digest.ts";

export const BITBUCKET_API = "https://api.bitbucket.org/2.0";

export const bitbucket: NotifierFactory = (s) => {
  if (!s.token) throw new Error("bitbucket token cannot be empty");
  const { id } = parseGitAddress(s.address);
  const creds = s.token.split(":");
  if (creds.length !== 2) throw new Error("invalid token format, expected to be <user>:<password>");
  const parts = id.split("/");
  if (parts.length !== 2) throw new Error(`invalid repository id "${id}"`);
  const headers = { Authorization: basicAuth(creds[0]!, creds[1]!) };
  const repo = `${BITBUCKET_API}/repositories/${parts[0]}/${parts[1]}`;
  return {
    async post(event, http) {
      if (event.reason === "Progressing") return;
      const sha = eventCommit(event);
      if (event.severity !== "info" && event.severity !== "error") throw new Error("can't convert to bitbucket state");
      const state = event.severity === "info" ? "SUCCESSFUL" : "FAILED";
      const { name, description } = nameAndDescription(event);
      const key = await sha1Hex(s.commitStatus ?? defaultCommitStatus(s.providerUid ?? "", event));
      const got = await http.send({ method: "GET", url: `${repo}/commit/${sha}/statuses/build/${key}`, headers, okStatuses: [404] }).catch((err: Error) => {
        throw new Error(`could not get commit status: ${err.message}`);
      });
      if (got.status === 200) {
        const have = JSON.parse(got.text) as { state?: string; description?: string };
        if (have.state === state && have.description === description) return;
      }
      const body = encodeGoJson(new GoStruct([["key", key], ["url", "https://bitbucket.org"], ["state", state], ["name", name], ["description", description]]));
      await http.send({ url: `${repo}/commit/${sha}/statuses/build`, headers: { ...headers, ...JSON_HEADERS }, body });
    },
  };
};
