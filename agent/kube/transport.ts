/**
 * The one thing the portable KubeClient needs from a runtime: send an HTTP request to the API server
 * with the cluster's TLS and credentials already applied. agent/runtime/kube-transport.ts builds it.
 */

export interface KubeRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Absolute path on the API server, e.g. /api/v1/namespaces/a/configmaps. */
  path: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface KubeResponse {
  status: number;
  text(): Promise<string>;
  /** The body as newline-delimited lines, for watch streams. */
  lines(): AsyncIterable<string>;
}

export type Transport = (req: KubeRequest) => Promise<KubeResponse>;
