/**
 * Receiver (notification.toolkit.fluxcd.io/v1): a webhook that, when called with a valid payload,
 * requests a reconcile of the listed Flux objects. Schema follows Flux's CRD of the same version, with
 * its CEL rules as runtime checks.
 */
import { s, DURATION_PATTERN, type Infer } from "./schema.ts";
import { crossNamespaceObjectReference, localObjectReference, reconciledStatus } from "./common.ts";
import { AGE_COLUMN, READY_COLUMNS, NOTIFICATION_V1, defineKind } from "./kind.ts";

export const RECEIVER_TYPES = [
  "generic",
  "generic-hmac",
  "generic-oidc",
  "github",
  "gitlab",
  "bitbucket",
  "harbor",
  "dockerhub",
  "quay",
  "gcr",
  "nexus",
  "acr",
  "cdevents",
] as const;

const oidcProviderCount = (self: Record<string, unknown>): number =>
  Array.isArray(self.oidcProviders) ? self.oidcProviders.length : 0;

export const receiverSpec = s.object(
  {
    events: s.optional(s.array(s.string(), { description: "Event types that trigger (github, gitlab, bitbucket, cdevents)." })),
    interval: s.optional(
      s.string({ description: "How often the Receiver is reconciled.", pattern: DURATION_PATTERN, default: "10m" }),
    ),
    oidcProviders: s.optional(
      s.array(
        s.object({
          audience: s.optional(s.string({ description: "Expected token audience." })),
          issuerURL: s.string({ description: "OIDC issuer URL.", pattern: "^https?://" }),
          validations: s.array(
            s.object({
              expression: s.string({ description: "CEL expression that must hold for the token claims." }),
              message: s.string({ description: "Message when the expression does not hold." }),
            }),
            { description: "Checks on the token claims.", minItems: 1 },
          ),
          variables: s.optional(
            s.array(
              s.object({
                expression: s.string({ description: "CEL expression computing the variable." }),
                name: s.string({ description: "Variable name." }),
              }),
              { description: "Variables available to the validations." },
            ),
          ),
        }),
        {
          description: "Token issuers accepted by a generic-oidc Receiver.",
          listType: "map",
          listMapKeys: ["issuerURL"],
        },
      ),
    ),
    resourceFilter: s.optional(s.string({ description: "CEL expression over req and res selecting the objects to reconcile." })),
    resources: s.array(
      crossNamespaceObjectReference("A Flux object to reconcile.", {
        filter: s.optional(s.string({ description: "CEL expression selecting among the matched objects." })),
      }),
      { description: "Flux objects to reconcile when the webhook is called." },
    ),
    secretRef: s.optional(localObjectReference("Secret with the token (key token) that validates calls and salts the path.")),
    suspend: s.optional(s.boolean({ description: "Stop handling webhook calls." })),
    type: s.enum(RECEIVER_TYPES, { description: "Webhook flavour, deciding how calls are validated." }),
  },
  {
    description: "Desired state of a Receiver.",
    rules: [
      {
        cel: "self.type != 'generic-oidc' || (has(self.oidcProviders) && size(self.oidcProviders) > 0)",
        message: "generic-oidc receivers must define at least one oidcProvider",
        holds: (self) => self.type !== "generic-oidc" || oidcProviderCount(self) > 0,
      },
      {
        cel: "self.type == 'generic-oidc' || !has(self.oidcProviders) || size(self.oidcProviders) == 0",
        message: "oidcProviders can only be set when type is generic-oidc",
        holds: (self) => self.type === "generic-oidc" || oidcProviderCount(self) === 0,
      },
      {
        cel: "self.type != 'generic-oidc' || !has(self.secretRef)",
        message: "secretRef cannot be set when type is generic-oidc",
        holds: (self) => self.type !== "generic-oidc" || self.secretRef === undefined,
      },
      {
        cel: "self.type == 'generic-oidc' || has(self.secretRef)",
        message: "secretRef is required when type is not generic-oidc",
        holds: (self) => self.type === "generic-oidc" || self.secretRef !== undefined,
      },
    ],
  },
);

export const receiverStatus = reconciledStatus("Receiver", {
  webhookPath: s.optional(s.string({ description: "Path the webhook is served on: /hook/<sha256 of token, name, namespace>." })),
});

export type ReceiverSpec = Infer<typeof receiverSpec>;
export type ReceiverStatus = Infer<typeof receiverStatus>;

export const receiverKind = defineKind(
  NOTIFICATION_V1,
  {
    kind: "Receiver",
    plural: "receivers",
    printerColumns: [AGE_COLUMN, ...READY_COLUMNS],
    description: "A webhook that triggers reconciles of Flux objects.",
  },
  receiverSpec,
  receiverStatus,
);
export type Receiver = Infer<typeof receiverKind.schema>;
