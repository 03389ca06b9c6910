/**
 * A strict reader of release JSON written against Helm 4.2's Go structs and their json tags
 * (pkg/release/v1 Release, Info, Hook, HookExecution; pkg/chart/v2 Chart, Metadata, Dependency, Lock;
 * pkg/chart/common File): every key must be one the struct declares, with the type Go would decode it
 * into, and the keys Go writes without omitempty must be there. Returns the problems, [] when Helm
 * would read the record exactly as written. Written from the struct definitions, independent of the
 * release code it checks.
 */
type Check = (v: unknown, path: string, out: string[]) => void;

const str: Check = (v, p, o) => void (typeof v !== "string" && o.push(`${p}: want string, got ${JSON.stringify(v)}`));
const int: Check = (v, p, o) => void ((typeof v !== "number" || !Number.isInteger(v)) && o.push(`${p}: want integer, got ${JSON.stringify(v)}`));
const bool: Check = (v, p, o) => void (typeof v !== "boolean" && o.push(`${p}: want bool, got ${JSON.stringify(v)}`));
// Go's time.Time reads RFC 3339 (fractional seconds optional); Helm 4's reader also takes "" as zero.
const time: Check = (v, p, o) => void ((typeof v !== "string" || v !== "" && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v)) && o.push(`${p}: want RFC 3339 time, got ${JSON.stringify(v)}`));
const bytes: Check = (v, p, o) => void ((typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) && o.push(`${p}: want base64 []byte, got ${JSON.stringify(v)?.slice(0, 40)}`));
const anyMap: Check = (v, p, o) => void ((typeof v !== "object" || v === null || Array.isArray(v)) && o.push(`${p}: want map[string]any`));
const strMap: Check = (v, p, o) => {
  anyMap(v, p, o);
  if (typeof v === "object" && v) for (const [k, x] of Object.entries(v)) str(x, `${p}.${k}`, o);
};
const nullable = (c: Check): Check => (v, p, o) => void (v !== null && c(v, p, o));
const list = (c: Check): Check => (v, p, o) => {
  if (v === null) return;
  if (!Array.isArray(v)) return void o.push(`${p}: want list`);
  v.forEach((x, i) => c(x, `${p}[${i}]`, o));
};
const oneOf = (...values: string[]): Check => (v, p, o) => void (!values.includes(v as string) && o.push(`${p}: want one of ${values.join("|")}, got ${JSON.stringify(v)}`));

function struct(fields: Record<string, Check>, required: string[] = []): Check {
  return (v, p, o) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return void o.push(`${p}: want object`);
    for (const [k, x] of Object.entries(v)) {
      const c = fields[k];
      if (!c) o.push(`${p}.${k}: no such field in Helm's struct`);
      else c(x, `${p}.${k}`, o);
    }
    for (const k of required) if (!(k in v)) o.push(`${p}.${k}: missing (Go always writes it)`);
  };
}

const file = struct({ name: str, data: bytes, modtime: time }, ["name", "data"]);
const dependency = struct({ name: str, version: str, repository: str, condition: str, tags: list(str), enabled: bool, "import-values": list(() => {}), alias: str }, ["name", "repository"]);
const metadata = struct({
  name: str,
  home: str,
  sources: list(str),
  version: str,
  description: str,
  keywords: list(str),
  maintainers: list(struct({ name: str, email: str, url: str })),
  icon: str,
  apiVersion: str,
  condition: str,
  tags: str,
  appVersion: str,
  deprecated: bool,
  annotations: strMap,
  kubeVersion: str,
  dependencies: list(dependency),
  type: str,
});
const lock = struct({ generated: time, digest: str, dependencies: list(dependency) }, ["generated", "digest", "dependencies"]);
const chart = struct(
  { metadata: nullable(metadata), lock: nullable(lock), templates: list(file), values: nullable(anyMap), schema: nullable(bytes), schemamodtime: time, files: list(file), modtime: time },
  ["metadata", "lock", "templates", "values", "schema", "schemamodtime", "files"],
);
const status = oneOf("unknown", "deployed", "uninstalled", "superseded", "failed", "uninstalling", "pending-install", "pending-upgrade", "pending-rollback");
const info = struct({ first_deployed: time, last_deployed: time, deleted: time, description: str, status, rollback_revision: int, notes: str });
const event = oneOf("pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade", "post-upgrade", "pre-rollback", "post-rollback", "test");
const hook = struct(
  {
    name: str,
    kind: str,
    path: str,
    manifest: str,
    events: list(event),
    last_run: struct({ started_at: time, completed_at: time, phase: oneOf("Unknown", "Running", "Succeeded", "Failed", "") }, ["phase"]),
    weight: int,
    delete_policies: list(oneOf("before-hook-creation", "hook-succeeded", "hook-failed")),
    output_log_policies: list(oneOf("hook-succeeded", "hook-failed")),
  },
  ["last_run"],
);
const release = struct(
  { name: str, info, chart, config: nullable(anyMap), manifest: str, hooks: list(hook), version: int, namespace: str, apply_method: oneOf("ssa", "csa") },
  // Not omitempty-zero in any release Helm writes.
  ["name", "info", "chart", "version", "namespace"],
);

export function helmGoProblems(json: unknown): string[] {
  const out: string[] = [];
  release(json, "release", out);
  return out;
}
