/**
 * Alert (notification.toolkit.fluxcd.io/v1beta3): which events of which Flux objects go to a Provider.
 * A static object: Flux's v1beta3 Alert has no status.
 */
import { s, type Infer } from "./schema.ts";
import { crossNamespaceObjectReference, localObjectReference } from "./common.ts";
import { AGE_COLUMN, NOTIFICATION_V1BETA3, defineKind } from "./kind.ts";

export const alertSpec = s.object(
  {
    eventMetadata: s.optional(s.map(s.string(), { description: "Metadata added to every forwarded event; event keys win." })),
    eventSeverity: s.optional(
      s.enum(["info", "error"], { description: "Lowest severity forwarded: info forwards info and error.", default: "info" }),
    ),
    eventSources: s.array(crossNamespaceObjectReference("Objects whose events are forwarded."), {
      description: "Objects whose events are forwarded.",
    }),
    exclusionList: s.optional(s.array(s.string(), { description: "Regular expressions; matching event messages are dropped." })),
    inclusionList: s.optional(s.array(s.string(), { description: "Regular expressions; only matching event messages are forwarded." })),
    providerRef: localObjectReference("The Provider that receives the events."),
    summary: s.optional(s.string({ description: "Deprecated: use eventMetadata.summary.", maxLength: 255 })),
    suspend: s.optional(s.boolean({ description: "Stop forwarding events." })),
  },
  { description: "Desired state of an Alert." },
);

export type AlertSpec = Infer<typeof alertSpec>;

export const alertKind = defineKind(
  NOTIFICATION_V1BETA3,
  {
    kind: "Alert",
    plural: "alerts",
    printerColumns: [AGE_COLUMN],
    description: "Forwarding of Flux events to a notification Provider.",
  },
  alertSpec,
);
export type Alert = Infer<typeof alertKind.schema>;
