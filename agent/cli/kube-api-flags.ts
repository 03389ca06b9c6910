/**
 * `rivulet run`'s client-side API rate limit flags, as Flux's controllers have them (--kube-api-qps,
 * --kube-api-burst): their parseArgs options, their --help lines, and their values checked into the
 * limiter's settings. A single tenant's agent has none unless one is given (Flux itself turns client
 * throttling off when the API server has priority and fairness on, and today's request timing stays);
 * with --tenants every tenant has Flux's defaults of its own, so one tenant's burst cannot take the
 * others' share of the API server.
 */
import { DEFAULTS } from "../kube/rate-limit.ts";
import { UsageError } from "./command.ts";

export const KUBE_API_OPTIONS = {
  "kube-api-qps": { type: "string" as const },
  "kube-api-burst": { type: "string" as const },
};

export const KUBE_API_HELP = `      --kube-api-qps N      requests a second to the Kubernetes API once the burst is spent, per tenant;
                            watches are never limited (default: off for one tenant's agent, which sends
                            as it always has; with --tenants, or with --kube-api-burst alone, Flux's ${DEFAULTS.qps})
      --kube-api-burst N    requests let through at once before --kube-api-qps applies (default: off for
                            one tenant's agent; with --tenants, or with --kube-api-qps alone, Flux's ${DEFAULTS.burst})`;

export interface KubeApiFlagValues {
  "kube-api-qps"?: string;
  "kube-api-burst"?: string;
}

/**
 * The rate limit the flags ask for: undefined for a single tenant when neither is given, Flux's defaults
 * for a host of tenants; a UsageError for a bad value.
 */
export function kubeApiRateOf(values: KubeApiFlagValues, o: { tenants?: boolean } = {}): { qps: number; burst: number } | undefined {
  const qpsText = values["kube-api-qps"];
  const burstText = values["kube-api-burst"];
  if (qpsText === undefined && burstText === undefined) return o.tenants ? { ...DEFAULTS } : undefined;
  const qps = qpsText === undefined ? DEFAULTS.qps : Number(qpsText);
  if (!/^\d*\.?\d+$/.test(qpsText ?? "0") || !(qps > 0)) throw new UsageError(`--kube-api-qps must be a number above 0, such as 50 or 2.5, not "${qpsText}"`);
  const burst = burstText === undefined ? DEFAULTS.burst : Number(burstText);
  if (!/^\d+$/.test(burstText ?? "0") || burst < 1) throw new UsageError(`--kube-api-burst must be a whole number of at least 1, not "${burstText}"`);
  return { qps, burst };
}
