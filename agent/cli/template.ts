/**
 * `rivulet template [NAME] CHART [flags]`: renders a chart directory or a packaged `.tgz` locally and
 * prints what `helm template` (Helm 4.2, pkg/cmd/template.go; read, not copied) prints: the CRDs with
 * --include-crds, the release manifest, then the hooks (test hooks left out with --skip-tests), each
 * document under its `# Source:` line; --show-only keeps the documents of the templates it matches.
 * Nothing reaches a cluster: `.Capabilities` comes from Helm's defaults and the flags, `lookup` returns
 * an empty map. Files are read through agent/runtime. CHART may be `oci://host/repo/chart[:tag]`, pulled
 * with --version (an exact version or a range, as Helm resolves it) and Helm's registry flags; Helm prints
 * "Pulled:"/"Digest:" on stdout, rivulet on stderr so the output stays YAML. With --repo URL, CHART is a
 * chart name in that repository's index.yaml: resolved as Helm resolves it (--version, --devel), downloaded
 * with the credentials only to the repository's host (unless --pass-credentials) and checked against the
 * index's digest. Repository names from Helm's repositories.yaml (`repo/chart`) are not read.
 */
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadChart, loadChartArchive } from "../helm/chart-loader.ts";
import { splitManifests } from "../helm/manifest.ts";
import { defaultCapabilities, renderChart, type RenderedRelease } from "../helm/render.ts";
import { createTemplateEngine } from "../helm/template-engine.ts";
import { mergeValueOptions } from "../helm/value-options.ts";
import { pullHelmChart } from "../source/oci/pull-helm-chart.ts";
import { resolveChartUrl, resolveChartVersion } from "../helm/chart-version.ts";
import { parseRepositoryIndex } from "../helm/repository-index.ts";
import { fetchChart } from "../source/helm/fetch-chart.ts";
import { fetchHelmIndex } from "../source/helm/fetch-helm-index.ts";
import { fsTreeReader } from "../runtime/artifact-fs.ts";
import { createFetch } from "../runtime/http-fetch.ts";
import { nativeSha256 } from "../runtime/native-digest.ts";
import { helmWasmPort } from "../runtime/helm-wasm.ts";
import { UsageError, type CliIO, type Command } from "./command.ts";

/** The release name `helm template` uses when only CHART is given. */
const DEFAULT_NAME = "release-name";

const OPTIONS = {
  namespace: { type: "string", short: "n" },
  values: { type: "string", short: "f", multiple: true },
  set: { type: "string", multiple: true },
  "set-string": { type: "string", multiple: true },
  "set-file": { type: "string", multiple: true },
  "set-literal": { type: "string", multiple: true },
  "set-json": { type: "string", multiple: true },
  version: { type: "string" },
  devel: { type: "boolean" },
  repo: { type: "string" },
  "pass-credentials": { type: "boolean" },
  username: { type: "string" },
  password: { type: "string" },
  "plain-http": { type: "boolean" },
  "insecure-skip-tls-verify": { type: "boolean" },
  "ca-file": { type: "string" },
  "cert-file": { type: "string" },
  "key-file": { type: "string" },
  "kube-version": { type: "string" },
  "api-versions": { type: "string", short: "a", multiple: true },
  "include-crds": { type: "boolean" },
  "skip-tests": { type: "boolean" },
  "skip-schema-validation": { type: "boolean" },
  "show-only": { type: "string", short: "s", multiple: true },
  "is-upgrade": { type: "boolean" },
} as const;

/** Reads one file through the runtime's tree reader over its directory. */
function readFileAt(cwd: string, path: string): Uint8Array {
  const abs = resolve(cwd, path);
  const data = fsTreeReader(dirname(abs)).read(basename(abs));
  if (!data) throw new Error(`open ${path}: no such file or directory`);
  return data;
}

const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** `helm template`'s output for a rendered release. */
export function templateOutput(r: RenderedRelease, options: { includeCrds?: boolean; skipTests?: boolean; showOnly?: string[] } = {}): string {
  let manifest = r.manifest;
  if (options.includeCrds) manifest = r.crds.map((c) => `---\n# Source: ${c.name}\n${text(c.data)}\n`).join("") + manifest;
  let out = `${manifest.trim()}\n`;
  for (const h of r.hooks) {
    if (options.skipTests && h.events.includes("test")) continue;
    out += `---\n# Source: ${h.path}\n${h.manifest}\n`;
  }
  if (!options.showOnly?.length) return out;
  const docs = splitManifests(out);
  const picked: string[] = [];
  for (const pattern of options.showOnly) {
    const matcher = globMatcher(pattern.replaceAll("\\", "/"));
    let found = false;
    for (const doc of docs) {
      // The path after the chart's own name, as Helm matches it: `templates/x.yaml`, `charts/sub/templates/y.yaml`.
      const m = /# Source: [^/]+\/(.+)/.exec(doc);
      if (!m || !matcher(m[1]!)) continue;
      picked.push(doc);
      found = true;
    }
    if (!found) throw new Error(`could not find template ${pattern} in chart`);
  }
  return picked.map((d) => `---\n${d}\n`).join("");
}

/**
 * Go's filepath.Match on slash paths: `*` and `?` never cross a `/`, `[...]` classes (with `^` for
 * negation; a class may match `/`, as in Go), `\` escapes. A malformed pattern matches nothing, as Helm ignores Match's error.
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\") {
      const next = pattern[++i];
      if (next === undefined) return () => false;
      re += escapeRe(next);
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) return () => false;
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith("^");
      if (negate) body = body.slice(1);
      if (body === "") return () => false;
      re += `[${negate ? "^" : ""}${body.replace(/[\]\\^]/g, (x) => `\\${x}`)}]`;
      i = end;
    } else re += escapeRe(c);
  }
  let compiled: RegExp;
  try {
    compiled = new RegExp(`^${re}$`, "s");
  } catch {
    return () => false;
  }
  return (path) => compiled.test(path);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, (x) => `\\${x}`);
}

type Flags = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { type: "boolean" } ? boolean : (typeof OPTIONS)[K] extends { multiple: true } ? string[] : string };

/** The TLS settings of Helm's registry and repository flags, files read relative to the working directory. */
async function tlsFlags(v: Flags, io: CliIO) {
  const file = async (flag: "ca-file" | "cert-file" | "key-file") => (v[flag] ? await readFile(resolve(io.cwd, v[flag]), "utf8") : undefined);
  return { ca: await file("ca-file"), cert: await file("cert-file"), key: await file("key-file"), insecureSkipVerify: v["insecure-skip-tls-verify"] };
}

const credentialsOf = (v: Flags) => (v.username || v.password ? { username: v.username ?? "", password: v.password ?? "" } : undefined);
/** --version, or with --devel and no version every prerelease too, as Helm's install flags set it. */
const versionOf = (v: Flags) => v.version || (v.devel ? ">0.0.0-0" : undefined);

/** Pulls an `oci://` chart as helm template does: --version (or --devel), then Helm's registry flags. */
async function ociChart(url: string, v: Flags, io: CliIO) {
  const tls = await tlsFlags(v, io);
  // As Helm: TLS settings make an HTTPS client, which ignores --plain-http.
  const tlsGiven = Boolean(tls.ca || (tls.cert && tls.key) || tls.insecureSkipVerify);
  const pulled = await pullHelmChart(
    {
      url,
      version: versionOf(v),
      fetch: createFetch(tls),
      insecure: Boolean(v["plain-http"]) && !tlsGiven,
      credentials: credentialsOf(v),
      sha256: nativeSha256,
      signal: io.signal,
    },
    { warn: (m) => io.err(`Warning: ${m}`) },
  );
  io.err(`Pulled: ${pulled.ref}`);
  io.err(`Digest: ${pulled.digest}`);
  return loadChartArchive(pulled.chart.bytes, url);
}

/**
 * Finds `name` in the index of the repository at `repoUrl` and downloads it, as helm template --repo does
 * (Helm's error texts for a chart or version the index lacks); the index's digest is checked as well.
 */
async function repositoryChart(repoUrl: string, name: string, v: Flags, io: CliIO) {
  const fetch = createFetch(await tlsFlags(v, io));
  const auth = credentialsOf(v);
  const index = parseRepositoryIndex((await fetchHelmIndex({ url: repoUrl, fetch, auth })).bytes, `${repoUrl} index`);
  const version = versionOf(v);
  let found;
  try {
    found = resolveChartVersion(index, name, version);
  } catch {
    throw new Error(`chart ${JSON.stringify(name)}${version ? ` version ${JSON.stringify(version)}` : ""} not found in ${repoUrl} repository`);
  }
  const first = found.urls[0];
  if (first === undefined) throw new Error(`chart ${JSON.stringify(name)} has no downloadable URLs`);
  const chartUrl = resolveChartUrl(repoUrl, first);
  const tgz = await fetchChart({ repositoryUrl: repoUrl, chartUrl, fetch, auth, passCredentials: v["pass-credentials"], digest: found.digest, sha256: nativeSha256 });
  io.err(`Pulled: ${chartUrl}`);
  return loadChartArchive(tgz, chartUrl);
}

export const templateCommand: Command = {
  path: ["template"],
  summary: "Render a Helm chart locally, as helm template does",
  help: `Usage: rivulet template [NAME] CHART [flags]

Renders the chart in directory CHART (or the packaged chart CHART.tgz, the chart oci://HOST/REPO/CHART
pulled from a registry, or with --repo URL the chart named CHART in that chart repository) for a release named NAME (release-name when omitted) and prints the manifests,
then the hooks, as helm template (Helm 4.2) does. Nothing reaches a cluster: lookup returns an empty map
and .Capabilities comes from the flags.

Flags:
  -n, --namespace NS        the release namespace (default "default")
  -f, --values FILE         a values file (repeatable; later files win)
      --set K=V             set values on the command line (repeatable, a.b[0].c=x, commas separate)
      --set-string K=V      as --set, values kept as strings
      --set-file K=PATH     as --set, the value read from PATH
      --set-literal K=V     as --set, the value taken literally
      --set-json K=JSON     as --set, the value JSON (a.b=[1,2]); a whole {...} object merges as a file
      --repo URL            the chart repository (its index.yaml) holding the chart named CHART
      --version V           the chart version for oci:// and --repo charts: an exact version or a
                            range (^1.2); the newest release when omitted
      --devel               with no --version, prereleases too (the range >0.0.0-0)
      --username U, --password P
                            credentials for the registry or the chart repository
      --pass-credentials    send the repository's credentials to chart URLs on other hosts too
      --plain-http          plain HTTP to the registry (a repository's scheme is its URL's)
      --ca-file, --cert-file, --key-file FILE
                            the registry's or repository's CA bundle; a client certificate and its key
      --insecure-skip-tls-verify
                            do not check the registry's certificate
      --kube-version V      the Kubernetes version for .Capabilities.KubeVersion (default v1.35.0)
  -a, --api-versions G/V    extra API versions for .Capabilities.APIVersions (repeatable or comma-separated)
      --include-crds        print the crds/ files first
      --skip-tests          leave out test hooks
      --skip-schema-validation
                            do not check the values against the charts' values.schema.json
  -s, --show-only PATH      only the manifests of templates matching PATH, e.g. templates/cm.yaml (repeatable)
      --is-upgrade          set .Release.IsUpgrade instead of .Release.IsInstall`,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const args = parsed.positionals;
    if (args.length === 0) throw new UsageError("expected a chart: rivulet template [NAME] CHART");
    if (args.length > 2) throw new UsageError(`expected at most two arguments, unexpected arguments: ${args.slice(2).join(", ")}`);
    const [name, chartPath] = args.length === 2 ? [args[0]!, args[1]!] : [DEFAULT_NAME, args[0]!];
    const v = parsed.values;
    if (v.repo && chartPath.startsWith("oci://")) throw new UsageError("--repo cannot be used with an oci:// chart");
    try {
      const capabilities = defaultCapabilities({
        kubeVersion: v["kube-version"],
        apiVersions: (v["api-versions"] ?? []).flatMap((a) => a.split(",")).filter((a) => a !== ""),
      });
      const values = mergeValueOptions(
        {
          valueFiles: (v.values ?? []).map((f) => ({ name: f, text: text(readFileAt(io.cwd, f)) })),
          values: v.set,
          jsonValues: v["set-json"],
          stringValues: v["set-string"],
          fileValues: v["set-file"],
          literalValues: v["set-literal"],
        },
        (path) => text(readFileAt(io.cwd, path)),
      );
      const abs = resolve(io.cwd, chartPath);
      const chart = v.repo
        ? await repositoryChart(v.repo, chartPath, v, io)
        : chartPath.startsWith("oci://")
        ? await ociChart(chartPath, v, io)
        : /\.(tgz|tar\.gz)$/.test(abs)
          ? await loadChartArchive(readFileAt(io.cwd, chartPath), chartPath)
          : await loadChart(fsTreeReader(abs, { skip: [".git"] }), chartPath);
      const rendered = await renderChart(createTemplateEngine(helmWasmPort), chart, {
        release: { name, namespace: v.namespace ?? "default", isUpgrade: !!v["is-upgrade"] },
        values,
        capabilities,
        // As helm template: values.schema.json is checked unless told not to; the validator loads only here.
        validateValues: v["skip-schema-validation"] ? undefined : async (c, vals) => (await import("../helm/values-schema.ts")).validateValues(c, vals),
        warn: (m) => io.err(`warning: ${m}`),
      });
      const out = templateOutput(rendered, { includeCrds: v["include-crds"], skipTests: v["skip-tests"], showOnly: v["show-only"] });
      // io.out adds the newline Helm's output ends with.
      if (out !== "") io.out(out.endsWith("\n") ? out.slice(0, -1) : out);
      return 0;
    } catch (err) {
      io.err(`Error: ${(err as Error).message}`);
      return 3;
    }
  },
};
