/**
 * Which Alerts of the tenant's namespace an event goes to, as notification-controller's
 * `filterAlertsForEvent` decides (internal/server/event_handlers.go): suspended Alerts are skipped; an
 * event source matches on namespace (default: the Alert's) and kind, the severity rule (`error` takes only
 * error events, `info` takes all), name or `*`, then `matchLabels` against the involved object's labels;
 * then at least one inclusionList expression must match the message (when there is a list) and no
 * exclusionList expression may. Expressions are Go RE2 (re2js), not JavaScript RegExp.
 *
 * The tenant boundary: an event source in another namespace never matches (Flux's
 * --no-cross-namespace-refs, always on here), and the Alert is told so once.
 */
import { goRegexp } from "../core/go-regexp.ts";
import type { Alert } from "../api/alert.ts";
import type { FluxEvent } from "./flux-event.ts";

/** A warning about an Alert, recorded as a Kubernetes Event on it (v1beta3 Alerts have no status). */
export interface AlertWarning {
  alert: Alert;
  reason: "InvalidConfig" | "AccessDenied" | "SourceFetchFailed";
  message: string;
}

export interface MatchPorts {
  /** The tenant's namespace: the only one event sources may name. */
  namespace: string;
  /** Labels of the involved object, undefined when it cannot be read. */
  labelsOf(event: FluxEvent): Promise<Record<string, string> | undefined>;
}

export async function matchAlerts(event: FluxEvent, alerts: readonly Alert[], ports: MatchPorts): Promise<{ alerts: Alert[]; warnings: AlertWarning[] }> {
  const matched: Alert[] = [];
  const warnings: AlertWarning[] = [];
  let labels: Promise<Record<string, string> | undefined> | undefined;
  for (const alert of alerts) {
    if (alert.spec.suspend) continue;
    const alertNs = alert.metadata.namespace ?? ports.namespace;
    let hit = false;
    for (const source of alert.spec.eventSources) {
      const ns = source.namespace || alertNs;
      if (ns !== ports.namespace) {
        warnings.push({ alert, reason: "AccessDenied", message: `cross-namespace event source ${source.kind}/${ns}/${source.name} is not allowed: the agent serves namespace ${ports.namespace} only` });
        continue;
      }
      const io = event.involvedObject;
      if (io.namespace !== ns || io.kind !== source.kind) continue;
      const severity = alert.spec.eventSeverity ?? "info";
      if (event.severity !== severity && severity !== "info") continue;
      if (source.name !== "*" && source.name !== io.name) continue;
      if (!source.matchLabels) {
        hit = true;
        break;
      }
      labels ??= ports.labelsOf(event);
      const have = await labels;
      if (!have) {
        warnings.push({ alert, reason: "SourceFetchFailed", message: `error getting source object ${io.kind}/${io.namespace}/${io.name}` });
        continue;
      }
      if (Object.entries(source.matchLabels).every(([k, v]) => have[k] === v)) {
        hit = true;
        break;
      }
    }
    if (!hit) continue;
    if (alert.spec.inclusionList?.length && !anyMatch(alert, alert.spec.inclusionList, event.message, "inclusion", warnings)) continue;
    if (alert.spec.exclusionList?.length && anyMatch(alert, alert.spec.exclusionList, event.message, "exclusion", warnings)) continue;
    matched.push(alert);
  }
  return { alerts: matched, warnings };
}

function anyMatch(alert: Alert, exprs: readonly string[], message: string, list: "inclusion" | "exclusion", warnings: AlertWarning[]): boolean {
  for (const expr of exprs) {
    const re = goRegexp(expr);
    if (re instanceof Error) {
      warnings.push({ alert, reason: "InvalidConfig", message: `failed to compile ${list} regex: ${expr}` });
      continue;
    }
    if (re.test(message)) return true;
  }
  return false;
}
