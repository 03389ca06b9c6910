/**
 * Provider (notification.toolkit.fluxcd.io/v1beta3): where and how events are sent (chat, webhook, Git
 * commit status, ...). A static object: Flux's v1beta3 Provider has no status.
 */
import { s, TIMEOUT_PATTERN, type Infer } from "./schema.ts";
import { duration, localObjectReference, proxySecretRefField } from "./common.ts";
import { AGE_COLUMN, NOTIFICATION_V1BETA3, defineKind } from "./kind.ts";

export const PROVIDER_TYPES = [
  "slack",
  "discord",
  "msteams",
  "rocket",
  "generic",
  "generic-hmac",
  "github",
  "gitlab",
  "gitea",
  "giteapullrequestcomment",
  "bitbucketserver",
  "bitbucket",
  "azuredevops",
  "googlechat",
  "googlepubsub",
  "webex",
  "sentry",
  "azureeventhub",
  "telegram",
  "lark",
  "matrix",
  "opsgenie",
  "alertmanager",
  "grafana",
  "githubdispatch",
  "githubpullrequestcomment",
  "gitlabmergerequestcomment",
  "pagerduty",
  "datadog",
  "nats",
  "zulip",
  "otel",
  "zoom",
  "incident.io",
] as const;

/** Provider types that set Git commit statuses, the only ones commitStatusExpr applies to. */
export const COMMIT_STATUS_PROVIDERS: readonly string[] = ["github", "gitlab", "gitea", "bitbucketserver", "bitbucket", "azuredevops"];

export const providerSpec = s.object(
  {
    address: s.optional(s.string({ description: "Endpoint events are sent to (webhook URL, API address).", maxLength: 2048 })),
    certSecretRef: s.optional(localObjectReference("Secret with TLS material (ca.crt, tls.crt, tls.key) for the endpoint.")),
    channel: s.optional(s.string({ description: "Channel, room or topic to post to.", maxLength: 2048 })),
    commitStatusExpr: s.optional(s.string({ description: "CEL expression for the commit status id (Git providers only)." })),
    interval: s.optional(duration("Deprecated: not used.")),
    proxy: s.optional(s.string({ description: "Deprecated: use proxySecretRef.", maxLength: 2048, pattern: "^(http|https)://.*$" })),
    proxySecretRef: proxySecretRefField,
    secretRef: s.optional(localObjectReference("Secret with address, token, headers, username or password.")),
    serviceAccountName: s.optional(s.string({ description: "ServiceAccount for workload identity." })),
    suspend: s.optional(s.boolean({ description: "Stop sending events." })),
    timeout: s.optional(s.string({ description: "Timeout for sending one event.", pattern: TIMEOUT_PATTERN })),
    type: s.enum(PROVIDER_TYPES, { description: "Kind of service events are sent to." }),
    username: s.optional(s.string({ description: "Bot user name, where the service supports one.", maxLength: 2048 })),
  },
  {
    description: "Desired state of a Provider.",
    rules: [
      {
        cel:
          "self.type == 'github' || self.type == 'gitlab' || self.type == 'gitea' || self.type == 'bitbucketserver' || self.type == 'bitbucket' || self.type == 'azuredevops' || !has(self.commitStatusExpr)",
        message:
          "spec.commitStatusExpr is only supported for the 'github', 'gitlab', 'gitea', 'bitbucketserver', 'bitbucket', 'azuredevops' provider types",
        holds: (self) => COMMIT_STATUS_PROVIDERS.includes(String(self.type)) || self.commitStatusExpr === undefined,
      },
    ],
  },
);

export type ProviderSpec = Infer<typeof providerSpec>;

export const providerKind = defineKind(
  NOTIFICATION_V1BETA3,
  {
    kind: "Provider",
    plural: "providers",
    printerColumns: [AGE_COLUMN],
    description: "A notification service that Alerts send events to.",
  },
  providerSpec,
);
export type Provider = Infer<typeof providerKind.schema>;
