/**
 * A tenant's own client for `rivulet run --tenants`, from its entry in the tenants file: a ServiceAccount
 * token minted by the host (TokenRequest, renewed at 80% of its life), the tenant's own kubeconfig, or a
 * token file (re-read as it rotates). The ServiceAccount and token-file kinds use the host's server and CA
 * with only the tenant's token; each tenant gets a transport (and connection pool) of its own.
 */
import type { KubeClient } from "../kube/client.ts";
import { createHttpClient } from "../kube/http-client.ts";
import { serviceAccountTokenSource } from "../kube/service-account-token.ts";
import { connect } from "../runtime/kube-transport.ts";
import { tokenFileReader } from "../runtime/kubeconfig.ts";
import { messageOf } from "../core/errors.ts";
import type { TenantEntry } from "./tenants-file.ts";

export interface TenantConnectOptions {
  /** The host's kubeconfig and context: their server and CA serve serviceAccount and tokenFile tenants. */
  kubeconfig?: string;
  context?: string;
  /** The host's client: it mints ServiceAccount tokens, nothing else. */
  hostClient: KubeClient;
  onRequest(verb: string, path: string): void;
  /** A token renewal that failed (or recovered) after the start. */
  report(error: Error | undefined): void;
}

/** The tenant's client and how messages name its identity; throws when its credentials cannot be had. */
export async function tenantClient(entry: TenantEntry, o: TenantConnectOptions): Promise<{ client: KubeClient; who: string }> {
  const c = entry.credentials;
  const client = (transport: ReturnType<typeof connect>["transport"]) => createHttpClient({ transport, onRequest: o.onRequest });
  switch (c.kind) {
    case "serviceAccount": {
      let started = false;
      const token = serviceAccountTokenSource(o.hostClient, entry.namespace, c.name, { onResult: (err) => started && o.report(err) });
      // Minted once here, so a missing ServiceAccount or namespace stops the start with its own message.
      await token();
      started = true;
      return { client: client(connect({ kubeconfig: o.kubeconfig, context: o.context, bearer: token }).transport), who: `ServiceAccount ${entry.namespace}/${c.name}` };
    }
    case "kubeconfig":
      return { client: client(connect({ kubeconfig: c.path }).transport), who: `the kubeconfig ${c.path}` };
    case "tokenFile": {
      const read = tokenFileReader(c.path);
      const token = () => {
        try {
          return read();
        } catch (err) {
          throw new Error(`Cannot read the token file ${c.path}: ${messageOf(err)}`, { cause: err });
        }
      };
      if (!token()) throw new Error(`Cannot use the token file ${c.path}: it is empty`);
      return { client: client(connect({ kubeconfig: o.kubeconfig, context: o.context, bearer: token }).transport), who: `the token file ${c.path}` };
    }
  }
}
