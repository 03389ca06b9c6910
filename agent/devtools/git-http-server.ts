/**
 * A real Git smart-HTTP server for tests and `rivulet demo`: Debian's `git http-backend` run as a CGI program behind a small
 * node:http server on 127.0.0.1, optionally behind basic auth or a bearer token, plus helpers that create
 * repositories, commits, branches and tags with the `git` CLI in a temp directory. Works on Bun, Deno and
 * Node (node:http and node:child_process only).
 *
 *   const git = await startGitServer({ auth: { username: "u", password: "p" } });
 *   const c1 = await git.createRepo("app", { "deploy/a.yaml": "x: 1\n" });
 *   await git.tag("app", "v1.0.0", { annotated: true });
 *   fetch(git.url("app")) ... ; await git.stop();
 *
 * Served repositories allow reachable SHA-1s in `want` and object filters, as GitHub and GitLab do, and
 * accept pushes (receive-pack).
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, type Stats } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export type GitServerAuth = { username: string; password: string } | { bearerToken: string };

/** A file's content, a file with a mode (0o755 for executables), a symlink, or null to delete it. */
export type FileSpec = string | Uint8Array | { data: string | Uint8Array; mode?: number } | { symlink: string } | null;
export type Files = Record<string, FileSpec>;

export interface LoggedRequest {
  method: string;
  path: string;
  /** For upload-pack POSTs: the protocol v2 command ("ls-refs", "fetch") or "v0". */
  command?: string;
  status: number;
}

export interface GitServer {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** The clone URL of a repository: http://127.0.0.1:PORT/NAME.git */
  url(name: string): string;
  /** Creates a repository (default branch `master`, like Flux's default ref) with one commit; returns its id. */
  createRepo(name: string, files?: Files, options?: { branch?: string; message?: string }): Promise<string>;
  /** Commits changes on the current branch (or `branch`, created from HEAD if missing); returns the id. */
  commit(name: string, files: Files, message?: string, options?: { branch?: string; env?: Record<string, string> }): Promise<string>;
  /** Creates a tag at `ref` (default HEAD), lightweight unless `annotated`; `sign` signs with the default GPG key. */
  tag(name: string, tag: string, options?: { ref?: string; annotated?: boolean; message?: string; sign?: boolean; env?: Record<string, string> }): Promise<void>;
  /** Sets an arbitrary ref (e.g. refs/pull/1/head) to an object id. */
  updateRef(name: string, ref: string, oid: string): Promise<void>;
  /** Runs git in the repository's work tree; returns stdout. */
  git(name: string, args: string[], env?: Record<string, string>): string;
  /** The work tree of a repository (its git dir is what the server serves). */
  workTree(name: string): string;
  /** The served git directory of a repository. */
  gitDir(name: string): string;
  requests: LoggedRequest[];
  stop(): Promise<void>;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Rivulet Test",
  GIT_AUTHOR_EMAIL: "test@rivulet.invalid",
  GIT_COMMITTER_NAME: "Rivulet Test",
  GIT_COMMITTER_EMAIL: "test@rivulet.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
};

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

export function requireGit(): void {
  const r = spawnSync("git", ["--version"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error("Cannot start the test git server: the git CLI is not installed (apt-get install git)");
  if (!existsSync(httpBackendPath())) {
    throw new Error(`Cannot start the test git server: ${httpBackendPath()} is missing (apt-get install git)`);
  }
}

function httpBackendPath(): string {
  const r = spawnSync("git", ["--exec-path"], { encoding: "utf8" });
  return join((r.stdout ?? "").trim() || "/usr/lib/git-core", "git-http-backend");
}

export async function startGitServer(options: { auth?: GitServerAuth } = {}): Promise<GitServer> {
  requireGit();
  const root = mkdtempSync(join(tmpdir(), "rivulet-git-"));
  const served = join(root, "served");
  const work = join(root, "work");
  mkdirSync(served);
  mkdirSync(work);
  const home = join(root, "home");
  mkdirSync(home);
  const backend = httpBackendPath();
  const requests: LoggedRequest[] = [];

  const baseEnv = (): Record<string, string> => {
    const env: Record<string, string> = { ...GIT_ENV, HOME: home, PATH: process.env.PATH ?? "/usr/bin:/bin" };
    if (process.env.GNUPGHOME) env.GNUPGHOME = process.env.GNUPGHOME;
    return env;
  };

  const run = (cwd: string, args: string[], env?: Record<string, string>): string => {
    const r = spawnSync("git", args, { cwd, env: { ...baseEnv(), ...env }, encoding: "utf8", maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${r.stderr || r.error?.message}`);
    return r.stdout;
  };

  const authorized = (req: IncomingMessage): boolean => {
    const auth = options.auth;
    if (!auth) return true;
    const h = req.headers.authorization ?? "";
    if ("bearerToken" in auth) return h === `Bearer ${auth.bearerToken}`;
    return h === `Basic ${btoa(`${auth.username}:${auth.password}`)}`;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const entry: LoggedRequest = { method: req.method ?? "GET", path: url.pathname, status: 0 };
    requests.push(entry);
    if (!authorized(req)) {
      entry.status = 401;
      const scheme = options.auth && "bearerToken" in options.auth ? "Bearer" : 'Basic realm="git"';
      res.writeHead(401, { "WWW-Authenticate": scheme, "Content-Type": "text/plain" });
      res.end("authentication required\n");
      return;
    }
    const env: Record<string, string> = {
      ...baseEnv(),
      GIT_PROJECT_ROOT: served,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_ADDR: "127.0.0.1",
      REMOTE_USER: options.auth && "username" in options.auth ? options.auth.username : "",
      GATEWAY_INTERFACE: "CGI/1.1",
      SERVER_PROTOCOL: "HTTP/1.1",
    };
    if (req.headers["git-protocol"]) env.GIT_PROTOCOL = String(req.headers["git-protocol"]);
    if (req.headers["content-encoding"]) env.HTTP_CONTENT_ENCODING = String(req.headers["content-encoding"]);
    if (req.headers["content-length"]) env.CONTENT_LENGTH = String(req.headers["content-length"]);
    const child = spawn(backend, [], { env, stdio: ["pipe", "pipe", "pipe"] });
    let sniffed = false;
    req.on("data", (chunk: Buffer) => {
      if (!sniffed && req.method === "POST") {
        sniffed = true;
        const text = chunk.subarray(0, 64).toString("latin1");
        entry.command = /command=([a-z-]+)/.exec(text)?.[1] ?? "v0";
      }
      child.stdin.write(chunk);
    });
    req.on("end", () => child.stdin.end());
    child.stdin.on("error", () => {});
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      let sep = head.indexOf("\r\n\r\n");
      let sepLen = 4;
      if (sep < 0) {
        sep = head.indexOf("\n\n");
        sepLen = 2;
      }
      if (sep < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, sep).toString("latin1").split(/\r?\n/)) {
        const i = line.indexOf(":");
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === "status") status = Number.parseInt(v, 10);
        else headers[k] = v;
      }
      entry.status = status;
      res.writeHead(status, headers);
      res.write(head.subarray(sep + sepLen));
    });
    child.stdout.on("end", () => {
      if (!headersDone) {
        entry.status = 502;
        res.writeHead(502);
      }
      res.end();
    });
    child.stderr.on("data", () => {});
    child.on("error", (err) => {
      entry.status = 500;
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;

  const workTree = (name: string): string => join(work, name);

  const writeFiles = (dir: string, files: Files): void => {
    const made = new Set<string>();
    for (const [path, spec] of Object.entries(files)) {
      const full = join(dir, path);
      if (spec === null) {
        rmSync(full, { force: true });
        continue;
      }
      const parent = dirname(full);
      if (!made.has(parent)) {
        mkdirSync(parent, { recursive: true });
        made.add(parent);
      }
      const isLink = typeof spec === "object" && "symlink" in spec;
      // Replace symlinks (and anything becoming one) instead of writing through them.
      if (isLink || lstatOrUndefined(full)?.isSymbolicLink()) rmSync(full, { force: true });
      if (typeof spec === "object" && "symlink" in spec) {
        symlinkSync(spec.symlink, full);
        continue;
      }
      const body = typeof spec === "string" || spec instanceof Uint8Array ? spec : spec.data;
      writeFileSync(full, body);
      const mode = typeof spec === "object" && !(spec instanceof Uint8Array) && "mode" in spec ? spec.mode : undefined;
      if (mode !== undefined) chmodSync(full, mode);
    }
  };

  const commit: GitServer["commit"] = async (name, files, message = "change", opts = {}) => {
    const dir = workTree(name);
    // A push may have moved the branch under the work tree: start from what the branch now holds.
    if (spawnSync("git", ["rev-parse", "--verify", "-q", "HEAD"], { cwd: dir, env: baseEnv() }).status === 0) run(dir, ["reset", "-q", "--hard", "HEAD"]);
    if (opts.branch) {
      const exists = run(dir, ["branch", "--list", opts.branch]).trim() !== "";
      run(dir, exists ? ["checkout", "-q", opts.branch] : ["checkout", "-q", "-b", opts.branch]);
    }
    writeFiles(dir, files);
    run(dir, ["add", "-A"]);
    run(dir, ["commit", "-q", "--allow-empty", "-m", message], opts.env);
    return run(dir, ["rev-parse", "HEAD"]).trim();
  };

  return {
    baseUrl,
    url: (name) => `${baseUrl}/${name}.git`,
    workTree,
    gitDir: (name) => join(served, `${name}.git`),
    requests,
    async createRepo(name, files = {}, opts = {}) {
      const dir = workTree(name);
      mkdirSync(dir);
      const gitDir = join(served, `${name}.git`);
      run(dir, ["init", "-q", "-b", opts.branch ?? "master", `--separate-git-dir=${gitDir}`, "."]);
      run(dir, ["config", "uploadpack.allowFilter", "true"]);
      run(dir, ["config", "uploadpack.allowReachableSHA1InWant", "true"]);
      // Pushes over HTTP are accepted without a REMOTE_USER, also to the checked-out branch (commit()
      // resets the work tree to the pushed HEAD before it writes).
      run(dir, ["config", "http.receivepack", "true"]);
      run(dir, ["config", "receive.denyCurrentBranch", "ignore"]);
      run(dir, ["config", "commit.gpgsign", "false"]);
      run(dir, ["config", "tag.gpgsign", "false"]);
      return commit(name, files, opts.message ?? "initial");
    },
    commit,
    async tag(name, tag, opts = {}) {
      const args = ["tag"];
      if (opts.sign) args.push("-s");
      else if (opts.annotated || opts.message) args.push("-a");
      if (opts.sign || opts.annotated || opts.message) args.push("-m", opts.message ?? `tag ${tag}`);
      args.push(tag, opts.ref ?? "HEAD");
      run(workTree(name), args, opts.env);
    },
    async updateRef(name, ref, oid) {
      run(workTree(name), ["update-ref", ref, oid]);
    },
    git: (name, args, env) => run(workTree(name), args, env),
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      rmSync(root, { recursive: true, force: true });
    },
  };
}
