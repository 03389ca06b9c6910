/**
 * A KubeClient that passes every call on to a real one and records it first, so a test can say which
 * calls reached the API server and in which order ("nothing was written before the refusal", "the
 * pre-delete hook before the first deletion"). It changes nothing the server answers.
 */
import type { KubeClient } from "../../agent/kube/client.ts";

export interface RecordingClient {
  client: KubeClient;
  /** "get Kind/name", "list Kind selector", "apply Kind/name", "patch Kind/name", "delete Kind/name", "POST /path". */
  calls: string[];
  /** The calls that may change something (neither get nor list). */
  writes(): string[];
}

export function recordingClient(inner: KubeClient): RecordingClient {
  const calls: string[] = [];
  return { client: recordInto(inner, calls), calls, writes: () => calls.filter((c) => !/^(get|list|watch) /.test(c)) };
}

function recordInto(inner: KubeClient, calls: string[]): KubeClient {
  return {
    get: (key) => (calls.push(`get ${key.kind}/${key.name}`), inner.get(key)),
    list: (ref, opts) => (calls.push(`list ${ref.kind}${opts?.labelSelector ? ` ${opts.labelSelector}` : ""}`), inner.list(ref, opts)),
    watch: (ref, opts) => (calls.push(`watch ${ref.kind}`), inner.watch(ref, opts)),
    apply: (obj, opts) => (calls.push(`apply${opts.dryRun ? " dry-run" : ""} ${obj.kind}/${obj.metadata.name}`), inner.apply(obj, opts)),
    patch: (key, patch, type, opts) => (calls.push(`patch ${key.kind}/${key.name}`), inner.patch(key, patch, type, opts)),
    delete: (key, opts) => (calls.push(`delete ${key.kind}/${key.name}`), inner.delete(key, opts)),
    resource: (apiVersion, kind) => inner.resource(apiVersion, kind),
    impersonate: (user, groups) => recordInto(inner.impersonate(user, groups), calls),
    raw: (method, path, body) => (calls.push(`${method} ${path}`), inner.raw(method, path, body)),
  };
}
