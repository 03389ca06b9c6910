/**
 * The provider types rivulet sends to (Flux's notifier factory, internal/notifier/factory.go). A type of
 * Flux's enum that is not here makes the Provider not ready with `unsupportedType`'s message: an Alert
 * naming it is told, never silently dropped.
 */
import type { NotifierFactory } from "./notifier.ts";
import { generic, genericHmac } from "./providers/generic.ts";
import { discord, rocket, slack } from "./providers/slack.ts";
import { msteams } from "./providers/msteams.ts";
import { googlechat } from "./providers/googlechat.ts";
import { webex } from "./providers/webex.ts";
import { telegram } from "./providers/telegram.ts";
import { matrix } from "./providers/matrix.ts";
import { lark } from "./providers/lark.ts";
import { zulip } from "./providers/zulip.ts";
import { opsgenie } from "./providers/opsgenie.ts";
import { alertmanager } from "./providers/alertmanager.ts";
import { grafana } from "./providers/grafana.ts";
import { pagerduty } from "./providers/pagerduty.ts";
import { datadog } from "./providers/datadog.ts";
import { github } from "./providers/github.ts";
import { gitlab } from "./providers/gitlab.ts";
import { gitea } from "./providers/gitea.ts";
import { bitbucketserver } from "./providers/bitbucketserver.ts";
import { bitbucket } from "./providers/bitbucket.ts";

export const NOTIFIERS: Readonly<Record<string, NotifierFactory>> = {
  generic,
  "generic-hmac": genericHmac,
  slack,
  discord,
  rocket,
  msteams,
  googlechat,
  webex,
  telegram,
  matrix,
  lark,
  zulip,
  opsgenie,
  alertmanager,
  grafana,
  pagerduty,
  datadog,
  github,
  gitlab,
  gitea,
  bitbucketserver,
  bitbucket,
};

export function unsupportedType(type: string): string {
  return `provider type '${type}' is not implemented by rivulet yet (implemented: ${Object.keys(NOTIFIERS).join(", ")})`;
}
