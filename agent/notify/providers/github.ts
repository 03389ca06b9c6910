/**
 * `github` commit statuses (internal/notifier/github.go, github_helpers.go, through go-github): skip
 * Progressing events, list the commit's statuses (`GET /repos/{o}/{r}/commits/{sha}/statuses?per_page=50`)
 * and skip a status whose context already has the same state and description, else
 * `POST /repos/{o}/{r}/statuses/{sha}` `{state: success|failure, description, context: <status id>}`.
 * API base `https://api.github.com/`, or `<host>/api/v3/` for GitHub Enterprise; a Bearer token (the
 * Secret's token, or its password). GitHub App credentials are not implemented here.
 */
import { JSON_HEADERS, type NotifierFactory } from "../notifier.ts";
import { defaultCommitStatus, eventCommit, nameAndDescription, parseGitAddress } from "./git-commit.ts";

export const github: NotifierFactory = (s) => {
  const token = s.token || s.password;
  if (!token) throw new Error("github token or github app details must be specified");
  const { host, id } = parseGitAddress(s.address);
  const parts = id.split("/");
  if (parts.length !== 2) throw new Error(`invalid repository id: '${id}'`);
  const base = new URL(host).host === "github.com" ? "https://api.github.com/" : `${host}/api/v3/`;
  const headers = { Accept: "application/vnd.github.v3+json", Authorization: `Bearer ${token}`, "X-GitHub-Api-Version": "2022-11-28" };
  const repo = `${encodeURIComponent(parts[0]!)}/${encodeURIComponent(parts[1]!)}`;
  return {
    async post(event, http) {
      if (event.reason === "Progressing") return;
      const sha = eventCommit(event);
      if (event.severity !== "info" && event.severity !== "error") throw new Error("can't convert to github state");
      const state = event.severity === "info" ? "success" : "failure";
      const { description } = nameAndDescription(event);
      const context = s.commitStatus ?? defaultCommitStatus(s.providerUid ?? "", event);
      const list = await http.send({ method: "GET", url: `${base}repos/${repo}/commits/${sha}/statuses?per_page=50`, headers }).catch((err: Error) => {
        throw new Error(`could not list commit statuses: ${err.message}`);
      });
      const statuses = JSON.parse(list.text || "[]") as Array<{ context?: string; state?: string; description?: string }>;
      const same = statuses.find((x) => x.context !== undefined && x.state !== undefined && x.description !== undefined && x.context === context);
      if (same && same.state === state && same.description === description) return;
      await http.send({ url: `${base}repos/${repo}/statuses/${sha}`, headers: { ...headers, ...JSON_HEADERS }, body: JSON.stringify({ state, description, context }) }).catch((err: Error) => {
        throw new Error(`could not create commit status: ${err.message}`);
      });
    },
  };
};
