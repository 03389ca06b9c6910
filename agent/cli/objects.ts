/**
 * `flux`-style commands over rivulet's objects: get, reconcile, suspend, resume, tree, events, and
 * create ... --export. They talk to the API server only (the agent does the work), so they run with the
 * tenant's own credentials.
 */
import { parseArgs } from "node:util";
import type { CliIO, Command } from "./command.ts";
import { UsageError } from "./command.ts";
import { CLUSTER_HELP, CLUSTER_OPTIONS, clusterClient, KUSTOMIZATION, kindFromWords, SOURCE_KINDS, table, type KindInfo } from "./cluster-flags.ts";
import type { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/types.ts";
import { parseDuration } from "../core/duration.ts";
import { emitDocuments } from "../yaml/emit.ts";

type Cond = { type: string; status: string; reason?: string; message?: string };
const conds = (o: KubeObject) => ((o.status as { conditions?: Cond[] } | undefined)?.conditions ?? []);
const readyOf = (o: KubeObject) => conds(o).find((c) => c.type === "Ready");
const spec = (o: KubeObject) => (o.spec ?? {}) as Record<string, unknown>;
const status = (o: KubeObject) => (o.status ?? {}) as Record<string, unknown>;

function revisionOf(o: KubeObject): string {
  const s = status(o);
  return String((s.artifact as { revision?: string } | undefined)?.revision ?? s.lastAppliedRevision ?? s.lastAttemptedRevision ?? "");
}

function rowOf(o: KubeObject): string[] {
  const r = readyOf(o);
  return [o.metadata.name!, revisionOf(o), String(Boolean(spec(o).suspend)), r?.status ?? "Unknown", r?.message ?? "waiting to be reconciled"];
}

const getCommand: Command = {
  path: ["get"],
  summary: "List sources or Kustomizations with their revision and readiness",
  help: `Usage: rivulet get sources git|oci|bucket|all [NAME] [flags]
       rivulet get kustomizations [NAME] [flags]

Prints NAME, REVISION, SUSPENDED, READY and MESSAGE for each object, like 'flux get'.

Flags:
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: CLUSTER_OPTIONS, allowPositionals: true });
    const { client, namespace } = clusterClient(values);
    let kinds: KindInfo[];
    let name: string | undefined;
    if (positionals[0] === "sources") {
      const which = positionals[1] ?? "all";
      kinds = which === "all" ? Object.values(SOURCE_KINDS) : [SOURCE_KINDS[which]!];
      if (!kinds[0]) throw new UsageError(`unknown source kind "${which}": use git, oci, bucket or all`);
      name = positionals[2];
    } else if (["kustomizations", "kustomization", "ks"].includes(positionals[0] ?? "")) {
      kinds = [KUSTOMIZATION];
      name = positionals[1];
    } else {
      throw new UsageError(`say what to get: "sources git|oci|bucket|all" or "kustomizations"`);
    }
    let printed = 0;
    for (const k of kinds) {
      const items = name
        ? [await client.get({ ...k, namespace, name })].filter((x): x is KubeObject => Boolean(x))
        : (await client.list({ ...k, namespace })).items;
      if (items.length === 0) continue;
      if (kinds.length > 1) io.out(`${k.kind}:`);
      for (const line of table([["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"], ...items.map(rowOf)])) io.out(line);
      printed += items.length;
    }
    if (printed === 0) {
      io.err(name ? `✗ ${kinds.map((k) => k.kind).join("/")} ${namespace}/${name} not found` : `no objects found in namespace ${namespace}`);
      return name ? 3 : 0;
    }
    return 0;
  },
};

/** Sets reconcile.fluxcd.io/requestedAt and waits until the agent has handled it. */
async function requestAndWait(client: KubeClient, info: KindInfo, namespace: string, name: string, timeoutMs: number, io: CliIO): Promise<KubeObject> {
  const key = { ...info, namespace, name };
  const obj = await client.get(key);
  if (!obj) throw new Error(`${info.kind}/${namespace}/${name} not found`);
  if (spec(obj).suspend) throw new Error(`${info.kind}/${namespace}/${name} is suspended: run 'rivulet resume' first`);
  const at = new Date().toISOString();
  io.err(`► annotating ${info.kind} ${name} in ${namespace} namespace`);
  await client.patch(key, { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } } }, "merge");
  io.err(`✔ ${info.kind} annotated`);
  io.err(`◎ waiting for ${info.kind} reconciliation`);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (io.signal.aborted) throw new Error("interrupted");
    const cur = await client.get(key);
    if (!cur) throw new Error(`${info.kind}/${namespace}/${name} was deleted while waiting`);
    const r = readyOf(cur);
    if (status(cur).lastHandledReconcileAt === at && r && r.status !== "Unknown" && status(cur).observedGeneration === cur.metadata.generation) {
      if (r.status === "True") return cur;
      throw new Error(`${info.kind}/${namespace}/${name} reconciliation failed: ${r.message ?? r.reason}`);
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`${info.kind}/${namespace}/${name} was not reconciled within ${timeoutMs / 1000}s: is the agent running in namespace ${namespace}?`);
}

const reconcileCommand: Command = {
  path: ["reconcile"],
  summary: "Ask the agent to reconcile an object now and wait for the result",
  help: `Usage: rivulet reconcile source git|oci|bucket NAME [flags]
       rivulet reconcile kustomization NAME [--with-source] [flags]

Sets reconcile.fluxcd.io/requestedAt, waits until the agent has handled it, and prints the result.

Flags:
      --with-source         reconcile the Kustomization's source first
      --timeout DURATION    how long to wait (default 5m)
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...CLUSTER_OPTIONS, "with-source": { type: "boolean" }, timeout: { type: "string", default: "5m" } }, allowPositionals: true });
    const { info, rest } = kindFromWords(positionals);
    const name = rest[0];
    if (!name) throw new UsageError(`name the ${info.kind} to reconcile`);
    const timeoutMs = parseDuration(values.timeout!);
    const { client, namespace } = clusterClient(values);
    if (values["with-source"] && info.kind === "Kustomization") {
      const ks = await client.get({ ...info, namespace, name });
      const ref = spec(ks ?? ({} as KubeObject)).sourceRef as { kind: string; name: string } | undefined;
      if (!ref) throw new Error(`Kustomization/${namespace}/${name} not found`);
      const src = await requestAndWait(client, { apiVersion: "source.toolkit.fluxcd.io/v1", kind: ref.kind }, namespace, ref.name, timeoutMs, io);
      io.err(`✔ fetched revision ${revisionOf(src)}`);
    }
    const done = await requestAndWait(client, info, namespace, name, timeoutMs, io);
    io.err(info.kind === "Kustomization" ? `✔ applied revision ${revisionOf(done)}` : `✔ fetched revision ${revisionOf(done)}`);
    return 0;
  },
};

function suspendResume(suspend: boolean): Command {
  const verb = suspend ? "suspend" : "resume";
  return {
    path: [verb],
    summary: suspend ? "Stop reconciling an object until it is resumed" : "Resume a suspended object and wait for it to reconcile",
    help: `Usage: rivulet ${verb} source git|oci|bucket NAME [flags]
       rivulet ${verb} kustomization NAME [flags]

Sets spec.suspend to ${suspend}${suspend ? "" : ", then waits for a reconcile"}.

Flags:
${suspend ? "" : "      --timeout DURATION    how long to wait (default 5m)\n"}${CLUSTER_HELP}`,
    async run(args, io) {
      const { values, positionals } = parseArgs({ args, options: { ...CLUSTER_OPTIONS, timeout: { type: "string", default: "5m" } }, allowPositionals: true });
      const { info, rest } = kindFromWords(positionals);
      const name = rest[0];
      if (!name) throw new UsageError(`name the ${info.kind} to ${verb}`);
      const { client, namespace } = clusterClient(values);
      const key = { ...info, namespace, name };
      if (!(await client.get(key))) throw new Error(`${info.kind}/${namespace}/${name} not found`);
      io.err(`► ${suspend ? "suspending" : "resuming"} ${info.kind} ${name} in ${namespace} namespace`);
      await client.patch(key, { spec: { suspend } }, "merge");
      io.err(`✔ ${info.kind} ${suspend ? "suspended" : "resumed"}`);
      if (!suspend) {
        const done = await requestAndWait(client, info, namespace, name, parseDuration(values.timeout!), io);
        io.err(`✔ ${info.kind} reconciliation completed: ${readyOf(done)?.message ?? ""}`);
      }
      return 0;
    },
  };
}

const treeCommand: Command = {
  path: ["tree"],
  summary: "Show the objects a Kustomization manages (its inventory)",
  help: `Usage: rivulet tree kustomization NAME [flags]

Prints the Kustomization's inventory as a tree; nested Kustomizations in the same namespace are expanded.

Flags:
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: CLUSTER_OPTIONS, allowPositionals: true });
    const { info, rest } = kindFromWords(positionals);
    if (info.kind !== "Kustomization" || !rest[0]) throw new UsageError("usage: rivulet tree kustomization NAME");
    const { client, namespace } = clusterClient(values);
    const root = await client.get({ ...info, namespace, name: rest[0] });
    if (!root) throw new Error(`Kustomization/${namespace}/${rest[0]} not found`);
    io.out(`Kustomization/${namespace}/${rest[0]}`);
    await printInventory(client, root, "", io, new Set([rest[0]]));
    return 0;
  },
};

async function printInventory(client: KubeClient, ks: KubeObject, indent: string, io: CliIO, seen: Set<string>): Promise<void> {
  const entries = ((status(ks).inventory as { entries?: Array<{ id: string; v: string }> } | undefined)?.entries ?? []).map((e) => {
    const [ns, name, group, kind] = e.id.split("_") as [string, string, string, string];
    return { ns, name, group, kind, v: e.v };
  });
  for (const [i, e] of entries.entries()) {
    const last = i === entries.length - 1;
    io.out(`${indent}${last ? "└── " : "├── "}${e.kind}/${e.ns ? `${e.ns}/` : ""}${e.name}`);
    if (e.kind === "Kustomization" && e.group === "kustomize.toolkit.fluxcd.io" && e.ns === ks.metadata.namespace && !seen.has(e.name)) {
      seen.add(e.name);
      const child = await client.get({ apiVersion: `${e.group}/${e.v}`, kind: e.kind, namespace: e.ns, name: e.name });
      if (child) await printInventory(client, child, `${indent}${last ? "    " : "│   "}`, io, seen);
    }
  }
}

const eventsCommand: Command = {
  path: ["events"],
  summary: "Show the events rivulet recorded in a namespace",
  help: `Usage: rivulet events [--for KIND/NAME] [flags]

Lists the namespace's Events about rivulet's objects, oldest first: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE.

Flags:
      --for KIND/NAME       only events about this object, e.g. Kustomization/apps
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { ...CLUSTER_OPTIONS, for: { type: "string" } } });
    const { client, namespace } = clusterClient(values);
    const fluxKinds = new Set(["GitRepository", "OCIRepository", "Bucket", "Kustomization", "Alert", "Provider", "Receiver"]);
    const items = (await client.list({ apiVersion: "v1", kind: "Event", namespace })).items.filter((e) => {
      const inv = e.involvedObject as { kind: string; name: string };
      if (values.for) return `${inv.kind}/${inv.name}` === values.for;
      return fluxKinds.has(inv.kind);
    });
    items.sort((a, b) => String(a.lastTimestamp ?? "").localeCompare(String(b.lastTimestamp ?? "")));
    const now = Date.now();
    const age = (ts: unknown) => {
      const s = Math.max(0, Math.round((now - Date.parse(String(ts))) / 1000));
      return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
    };
    const rows = items.map((e) => {
      const inv = e.involvedObject as { kind: string; name: string };
      return [age(e.lastTimestamp), String(e.type), String(e.reason), `${inv.kind}/${inv.name}`, String(e.message).replace(/\n/g, "; ")];
    });
    if (rows.length === 0) {
      io.err(`no events found in namespace ${namespace}`);
      return 0;
    }
    for (const line of table([["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], ...rows])) io.out(line);
    return 0;
  },
};

const createCommand: Command = {
  path: ["create"],
  summary: "Create a GitRepository or Kustomization (or print it with --export)",
  help: `Usage: rivulet create source git NAME --url URL [--branch B | --tag T | --tag-semver R | --commit SHA] [flags]
       rivulet create kustomization NAME --source KIND/NAME [--path P] [--prune] [flags]

Creates the object with server-side apply, or prints it as YAML with --export.

Flags:
      --url URL             repository URL (http or https)
      --branch, --tag, --tag-semver, --commit   the ref to follow (default branch master)
      --secret-ref NAME     Secret with username/password or bearerToken
      --source KIND/NAME    the Kustomization's source, e.g. GitRepository/podinfo
      --path PATH           path inside the source (default ./)
      --prune               delete objects removed from the source (default true)
      --depends-on NAMES    comma-separated Kustomizations to wait for
      --interval DURATION   reconcile interval (default 1m)
      --export              print YAML instead of creating
${CLUSTER_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...CLUSTER_OPTIONS,
        url: { type: "string" },
        branch: { type: "string" },
        tag: { type: "string" },
        "tag-semver": { type: "string" },
        commit: { type: "string" },
        "secret-ref": { type: "string" },
        source: { type: "string" },
        path: { type: "string", default: "./" },
        prune: { type: "boolean", default: true },
        "depends-on": { type: "string" },
        interval: { type: "string", default: "1m" },
        export: { type: "boolean" },
      },
    });
    const { info, rest } = kindFromWords(positionals);
    const name = rest[0];
    if (!name) throw new UsageError(`name the ${info.kind} to create`);
    parseDuration(values.interval!);
    const namespace = values.namespace ?? (values.export ? "default" : clusterClient(values).namespace);
    let obj: KubeObject;
    if (info.kind === "GitRepository") {
      if (!values.url) throw new UsageError("--url is required");
      if (!/^https?:\/\//.test(values.url)) throw new UsageError(`--url must be http:// or https://, not "${values.url}"`);
      const ref = values.commit ? { commit: values.commit } : values["tag-semver"] ? { semver: values["tag-semver"] } : values.tag ? { tag: values.tag } : { branch: values.branch ?? "master" };
      obj = { apiVersion: info.apiVersion, kind: info.kind, metadata: { name, namespace }, spec: { interval: values.interval, url: values.url, ref, ...(values["secret-ref"] ? { secretRef: { name: values["secret-ref"] } } : {}) } };
    } else if (info.kind === "Kustomization") {
      const [srcKind, srcName] = (values.source ?? "").split("/");
      if (!srcKind || !srcName) throw new UsageError("--source KIND/NAME is required, e.g. --source GitRepository/podinfo");
      obj = {
        apiVersion: info.apiVersion,
        kind: info.kind,
        metadata: { name, namespace },
        spec: {
          interval: values.interval,
          path: values.path,
          prune: values.prune,
          sourceRef: { kind: srcKind, name: srcName },
          ...(values["depends-on"] ? { dependsOn: values["depends-on"].split(",").map((n) => ({ name: n.trim() })) } : {}),
        },
      };
    } else {
      throw new UsageError(`creating ${info.kind} objects is not supported by this command yet: write the YAML and apply it`);
    }
    if (values.export) {
      io.out(emitDocuments([obj]).replace(/^---\n/, "---\n"));
      return 0;
    }
    const { client } = clusterClient(values);
    io.err(`► applying ${info.kind} ${name} in ${namespace} namespace`);
    await client.apply(obj, { fieldManager: "rivulet-cli" });
    io.err(`✔ ${info.kind} created`);
    return 0;
  },
};

export const objectCommands: Command[] = [getCommand, reconcileCommand, suspendResume(true), suspendResume(false), treeCommand, eventsCommand, createCommand];
