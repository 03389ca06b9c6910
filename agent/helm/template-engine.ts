/**
 * Helm's template engine behind a facade: Go's text/template with Sprig and Helm's own functions,
 * compiled to WASM from wasm/helm-template/ (the one Go module; no JavaScript implementation of Go
 * templates renders as Helm does). The facade owns nothing of Helm but the request shape: charts,
 * values, dependencies and output ordering are the TypeScript side's, the module only templates.
 *
 * The module is ~9 MB and adds tens of MB of memory, so it is loaded lazily on the first render and the
 * one instance is reused, and unloaded again after a quiet period when the caller asks (the agent does):
 * an agent that renders no chart never loads it, one that has converged gives the memory back. The bytes and Go's JS glue
 * arrive through a port (agent/runtime/helm-wasm.ts reads the build output), so this file stays portable.
 *
 * `lookup` asks the caller's RenderCall.lookup (the agent's Kubernetes client, behind tenant-lookup.ts);
 * the module's render is asynchronous so a template can wait for it. Without one, lookup returns an
 * empty map, as `helm template` does.
 *
 * Limits: DNS functions return "".
 */

/** Chart.yaml as JSON (the keys Helm's chart.Metadata reads). */
export interface ChartMetadata {
  name: string;
  version?: string;
  apiVersion?: string;
  appVersion?: string;
  description?: string;
  type?: string;
  [key: string]: unknown;
}

/** .Release as Helm builds it. */
export interface ReleaseInfo {
  name: string;
  namespace: string;
  isUpgrade: boolean;
  isInstall: boolean;
  revision: number;
  service: string;
}

/**
 * .Capabilities: the cluster's version and API versions, and the Helm version templates see. `normalized`
 * is the version without a vendor suffix, set when it was parsed (`--kube-version`), as Helm 4.2 keeps
 * it: `{{ .Capabilities.KubeVersion }}` prints it, `.Version` and `.GitVersion` keep the suffix.
 */
export interface CapabilitiesInfo {
  kubeVersion: { version: string; major: string; minor: string; normalized?: string };
  apiVersions: string[];
  helmVersion: { version: string; git_commit?: string; git_tree_state?: string; go_version?: string };
}

/** One chart's own top-level objects. Subcharts get their own scope, keyed by their path. */
export interface TemplateScope {
  values: Record<string, unknown>;
  chart: ChartMetadata;
  /** The chart's non-template files for .Files (they may be binary). */
  files: { name: string; data: Uint8Array }[];
}

export interface RenderRequest {
  /** Full names: `mychart/templates/x.yaml`, `mychart/charts/sub/templates/y.yaml`. */
  templates: { name: string; data: string }[];
  /** Keyed by chart path, as Helm's ChartFullPath: `mychart`, `mychart/charts/sub`. */
  scopes: Record<string, TemplateScope>;
  /** .Release and .Capabilities: one object each for every chart of the release, sent once. */
  release: ReleaseInfo;
  capabilities: CapabilitiesInfo;
  /** missingkey=error instead of Helm's missingkey=zero. */
  strict?: boolean;
  /** Canned lookup answers, for tests that compare the WASM and native builds; the agent passes a lookup. */
  lookupAnswers?: LookupAnswer[];
}

/** One canned answer: the object (a List when name is ""), or an error message that fails the lookup. */
export interface LookupAnswer {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  object?: Record<string, unknown>;
  error?: string;
}

/**
 * Helm's lookup as a function: the object, a List (an object with `items`) when name is "", undefined
 * when it does not exist; a rejection fails the render with its message.
 */
export type Lookup = (apiVersion: string, kind: string, namespace: string, name: string) => Promise<object | undefined>;

/** What a render may call back into. */
export interface RenderCall {
  lookup?: Lookup;
}

/** Every non-partial template's output by name, or the error Helm would print (template and line). */
export type RenderResult = { rendered: Map<string, string> } | { error: string };

/** The constructor Go's wasm_exec.js defines. */
export interface GoRuntime {
  importObject: NonNullable<Parameters<typeof WebAssembly.instantiate>[1]>;
  run(instance: WebAssembly.Instance): Promise<void>;
}

/** What the runtime provides: the module's bytes and Go's JS glue. */
export interface TemplateEnginePort {
  moduleBytes(): Promise<Uint8Array<ArrayBuffer>>;
  goRuntime(): Promise<new () => GoRuntime>;
  /**
   * Runs the JavaScript engine's collector now, where the runtime allows it: after an unload, so the
   * module's memory goes back at once even when nothing else is running (the agent's memory trimmer only
   * collects while it works).
   */
  collectGarbage?(): void;
}

export interface TemplateEngineOptions {
  /**
   * Unloads the module after this long without a render, giving back the ~80 MiB it holds (its compiled
   * code, Go's heap); the next render loads it again (0.2-0.4 s). Undefined: kept loaded.
   */
  unloadAfterMs?: number;
}

export interface TemplateEngine {
  render(request: RenderRequest, call?: RenderCall): Promise<RenderResult>;
  /** One ImageUpdateAutomation commit message (the module's message.go); optional for test doubles. */
  renderCommitMessage?(request: CommitMessageRequest): Promise<CommitMessageResult>;
}

/**
 * A commit message to render as image-automation-controller does: `template` (Flux's default message
 * when empty) with Sprig's hermetic functions, over `.AutomationObject` (prints `namespace/name`),
 * `.Changed` (update.Result: `.FileChanges`, `.Changes`, `.Objects`) and `.Values`. The changes travel as
 * lists; the module builds Flux's maps keyed by file and by object from them.
 */
export interface CommitMessageRequest {
  template: string;
  automationObject: { namespace: string; name: string };
  fileChanges: {
    file: string;
    objects: { apiVersion: string; kind: string; name: string; namespace: string; changes: { oldValue: string; newValue: string; setter: string }[] }[];
  }[];
  values: Record<string, string>;
}

/** The message, or Flux's error text for a template that does not parse or run. */
export type CommitMessageResult = { message: string } | { error: string };

/** The name the Go program registers its one function under; taken off the global object at once. */
const EXPORT = "rivuletHelmTemplate";

/**
 * The module's function: the request as JSON with every file's bytes beside it; the response at once
 * without a lookup, as a promise with one (the render then waits in a goroutine while the lookup's
 * promise resolves). The lookup resolves to an object's JSON, or null.
 */
type RenderFn = (requestJson: string, fileBytes: Uint8Array, lookup?: (...args: string[]) => Promise<string | null>) => ModuleResponse | Promise<ModuleResponse>;

/** What the module answers: an object it builds directly (no JSON between). */
interface ModuleResponse {
  rendered?: Record<string, string>;
  error?: string;
}

/**
 * The request as the module reads it: JSON in which each file is its name, offset and size, and the
 * files' bytes laid end to end beside it. Bytes are copied once into the module; base64 in JSON made
 * decoding most of a render for charts that carry large files. The native oracle reads the same two
 * parts on stdin, separated by a newline (JSON holds none).
 */
export function encodeRequest(request: RenderRequest): { json: string; fileBytes: Uint8Array } {
  let size = 0;
  for (const s of Object.values(request.scopes)) for (const f of s.files) size += f.data.length;
  const fileBytes = new Uint8Array(size);
  let offset = 0;
  const scopes: Record<string, unknown> = {};
  for (const [path, s] of Object.entries(request.scopes)) {
    const files = s.files.map((f) => {
      fileBytes.set(f.data, offset);
      const entry = { name: f.name, offset, size: f.data.length };
      offset += f.data.length;
      return entry;
    });
    scopes[path] = { ...s, files };
  }
  return { json: JSON.stringify({ ...request, scopes }), fileBytes };
}

/**
 * A lazily loaded engine: the module is compiled and started on the first render, then reused until it
 * has been quiet for `unloadAfterMs`.
 */
export function createTemplateEngine(port: TemplateEnginePort, opts: TemplateEngineOptions = {}): TemplateEngine {
  let loading: Promise<Instance> | undefined;
  let inFlight = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const unloadWhenQuiet = () => {
    if (opts.unloadAfterMs === undefined) return;
    if (idle !== undefined) clearTimeout(idle);
    idle = setTimeout(() => {
      idle = undefined;
      if (inFlight > 0 || !loading) return;
      // The parked Go program holds no timer, so dropping every reference lets the collector take it.
      loading = undefined;
      port.collectGarbage?.();
    }, opts.unloadAfterMs);
    // Never keeps a process alive that has nothing else to do (Bun and Node; Deno's ids are numbers).
    (idle as { unref?: () => void }).unref?.();
  };
  const counted = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await work();
    } finally {
      inFlight--;
      unloadWhenQuiet();
    }
  };
  return {
    render: (request, call = {}) => counted(async () => decodeResponse(await callModule(encodeRequest(request), call))),
    renderCommitMessage: (request) =>
      counted(async () => {
        const out = await callModule({ json: JSON.stringify({ message: request }), fileBytes: new Uint8Array(0) }, {});
        return out.error !== undefined ? { error: out.error } : { message: out.rendered?.message ?? "" };
      }),
  };

  async function callModule({ json, fileBytes }: { json: string; fileBytes: Uint8Array }, call: RenderCall): Promise<ModuleResponse> {
    loading ??= load(port);
    let engine: Instance;
    try {
      engine = await loading;
    } catch (err) {
      loading = undefined; // a failed load is retried on the next render
      throw err;
    }
    let out: ModuleResponse;
    try {
      // A render waiting on lookups would never settle if the program died meanwhile: race its exit.
      out = await Promise.race([call.lookup ? engine.fn(json, fileBytes, jsonLookup(call.lookup)) : engine.fn(json, fileBytes), engine.exited]);
    } catch (err) {
      // The Go program has exited (a fatal runtime error): start a fresh instance next time.
      loading = undefined;
      throw new Error(`Cannot render the templates: the Helm template engine stopped`, { cause: err });
    }
    return out;
  }
}

/** The lookup as the module calls it: JSON across the boundary, so Go decodes numbers as Kubernetes does. */
function jsonLookup(lookup: Lookup) {
  return async (apiVersion = "", kind = "", namespace = "", name = ""): Promise<string | null> => {
    const obj = await lookup(apiVersion, kind, namespace, name);
    return obj === undefined ? null : JSON.stringify(obj);
  };
}

/** A started module: its function, and a promise that rejects when the Go program exits. */
interface Instance {
  fn: RenderFn;
  exited: Promise<never>;
}

async function load(port: TemplateEnginePort): Promise<Instance> {
  const [bytes, Go] = await Promise.all([port.moduleBytes(), port.goRuntime()]);
  const go = new Go();
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes), go.importObject);
  // run() returns when the program exits; until then main has registered the function and parked.
  const exited = go.run(instance).then(() => Promise.reject(new Error("the Go program exited")));
  exited.catch(() => {}); // observed by renders only
  const g = globalThis as Record<string, unknown>;
  const fn = g[EXPORT];
  delete g[EXPORT];
  if (typeof fn !== "function") throw new Error(`Cannot start the Helm template engine: it did not register ${EXPORT}`);
  return { fn: fn as RenderFn, exited };
}

function decodeResponse(resp: ModuleResponse): RenderResult {
  if (resp.error !== undefined) return { error: resp.error };
  return { rendered: new Map(Object.entries(resp.rendered ?? {})) };
}
