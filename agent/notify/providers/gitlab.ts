/**
 * `gitlab` commit statuses (internal/notifier/gitlab.go, through go-gitlab): skip Progressing events,
 * `GET /api/v4/projects/<url-encoded path>/repository/commits/{sha}/statuses?name=<id>` and skip an
 * identical status (same sha, status, description and name), else `POST
 * /api/v4/projects/<id>/statuses/{sha}` `{state: success|failed, name, description}` with `PRIVATE-TOKEN`.
 */
import { JSON_HEADERS, type NotifierFactory } from "../notifier.ts";
import { defaultCommitStatus, eventCommit, nameAndDescription, parseGitAddress } from "./git-commit.ts";

export const gitlab: NotifierFactory = (s) => {
  const token = s.token || s.password;
  if (!token) throw new Error("gitlab token cannot be empty");
  const { host, id } = parseGitAddress(s.address);
  const project = `${host}/api/v4/projects/${encodeURIComponent(id)}`;
  const headers = { "PRIVATE-TOKEN": token };
  return {
    async post(event, http) {
      if (event.reason === "Progressing") return;
      const sha = eventCommit(event);
      if (event.severity !== "info" && event.severity !== "error") throw new Error("can't convert to gitlab state");
      const state = event.severity === "info" ? "success" : "failed";
      const { description } = nameAndDescription(event);
      const name = s.commitStatus ?? defaultCommitStatus(s.providerUid ?? "", event);
      const list = await http.send({ method: "GET", url: `${project}/repository/commits/${sha}/statuses?name=${encodeURIComponent(name)}`, headers }).catch((err: Error) => {
        throw new Error(`unable to list commit status: ${err.message}`);
      });
      const statuses = JSON.parse(list.text || "[]") as Array<{ sha?: string; status?: string; description?: string; name?: string }>;
      if (statuses.some((x) => x.sha === sha && x.status === state && x.description === description && x.name === name)) return;
      await http.send({ url: `${project}/statuses/${sha}`, headers: { ...headers, ...JSON_HEADERS }, body: JSON.stringify({ state, name, description }) });
    },
  };
};
