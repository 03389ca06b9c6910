/**
 * `gitea` commit statuses (internal/notifier/gitea.go, through the Gitea SDK): Progressing events become
 * `pending` (not skipped), info `success`, error `failure`; `GET
 * /api/v1/repos/{o}/{r}/commits/{sha}/statuses?page=0&limit=50` and skip a status whose context already has
 * the same state and description, else `POST /api/v1/repos/{o}/{r}/statuses/{sha}` `{state, target_url: "",
 * description, context}` with `Authorization: token <token>`.
 */
import { JSON_HEADERS, type NotifierFactory } from "../notifier.ts";
import { defaultCommitStatus, eventCommit, nameAndDescription, parseGitAddress } from "./git-commit.ts";

export const gitea: NotifierFactory = (s) => {
  const token = s.token || s.password;
  if (!token) throw new Error("gitea token cannot be empty");
  const { host, id } = parseGitAddress(s.address);
  const parts = id.split("/");
  if (parts.length !== 2) throw new Error(`invalid repository id: '${id}'`);
  const repo = `${host}/api/v1/repos/${encodeURIComponent(parts[0]!)}/${encodeURIComponent(parts[1]!)}`;
  const headers = { Authorization: `token ${token}` };
  return {
    async post(event, http) {
      const sha = eventCommit(event);
      const state = event.reason === "Progressing" ? "pending" : event.severity === "info" ? "success" : event.severity === "error" ? "failure" : undefined;
      if (!state) throw new Error("can't convert to gitea state");
      const { description } = nameAndDescription(event);
      const context = s.commitStatus ?? defaultCommitStatus(s.providerUid ?? "", event);
      const list = await http.send({ method: "GET", url: `${repo}/commits/${sha}/statuses?page=0&limit=50`, headers }).catch((err: Error) => {
        throw new Error(`could not list commit statuses: ${err.message}`);
      });
      const statuses = JSON.parse(list.text || "[]") as Array<{ context?: string; status?: string; description?: string }>;
      const same = statuses.find((x) => x.context && x.status && x.description && x.context === context);
      if (same && same.status === state && same.description === description) return;
      await http.send({ url: `${repo}/statuses/${sha}`, headers: { ...headers, ...JSON_HEADERS }, body: JSON.stringify({ state, target_url: "", description, context }) });
    },
  };
};
