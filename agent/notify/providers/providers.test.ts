/**
 * Each provider type against a loopback server: the exact body, method, path, headers and auth Flux's
 * notifier sends (golden payloads written from fluxcd/notification-controller internal/notifier/<type>.go
 * at 2e46958, cited per case). Metadata is sent in key order (Go ranges over a map at random, so any
 * order is Flux's; a fixed one keeps the bytes comparable).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { startCaptureServer, type CaptureServer } from "../../../test/support/capture-server.ts";
import { encodeFluxEvent, type FluxEvent } from "../flux-event.ts";
import { httpPort, type ProviderSettings } from "../notifier.ts";
import { NOTIFIERS } from "../provider-types.ts";

let server: CaptureServer;
beforeAll(async () => (server = await startCaptureServer()));
afterAll(() => server.stop());

const event = (severity: "info" | "error"): FluxEvent => ({
  involvedObject: { kind: "Kustomization", namespace: "apps", name: "webapp", uid: "u-1", apiVersion: "kustomize.toolkit.fluxcd.io/v1" },
  severity,
  timestamp: "2026-12-06T08:00:00Z",
  message: "Health check failed\nafter 5m: <deploy>",
  reason: "HealthCheckFailed",
  metadata: { revision: "main@sha1:abc", summary: "prod: eu" },
  reportingController: "kustomize-controller",
});

async function send(type: string, s: Partial<ProviderSettings>, e: FluxEvent, path = "/hook") {
  server.requests.length = 0;
  server.answer(200, "ok");
  const n = NOTIFIERS[type]!({ type, address: `${server.url}${path}`, ...s });
  await n.post(e, httpPort({ fetch, signal: AbortSignal.timeout(5000), retries: 0 }));
  return server.requests;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("generic and generic-hmac (forwarder.go)", () => {
  test("generic posts the event as json.Marshal writes it with gotk-component and the Secret's headers", async () => {
    const [r] = await send("generic", { headers: { "X-Team": "a" } }, event("info"));
    expect(r!.method).toBe("POST");
    expect(r!.body).toBe(encodeFluxEvent(event("info")));
    expect(r!.body).toContain('"message":"Health check failed\\nafter 5m: \\u003cdeploy\\u003e"');
    expect(r!.headers).toMatchObject({ "content-type": "application/json", "gotk-component": "kustomize-controller", "x-team": "a" });
    expect(r!.headers["x-signature"]).toBeUndefined();
  });

  test("generic-hmac signs the exact bytes sent with HMAC-SHA256 of the token", async () => {
    const [r] = await send("generic-hmac", { token: "s3cret" }, event("error"));
    expect(r!.headers["x-signature"]).toBe(`sha256=${createHmac("sha256", "s3cret").update(r!.body).digest("hex")}`);
  });

  test("generic-hmac without a token is Flux's configuration error", () => {
    expect(() => NOTIFIERS["generic-hmac"]!({ type: "generic-hmac", address: server.url })).toThrow("HMAC key is empty");
  });
});

describe("slack, discord, rocket (slack.go, discord.go, rocket.go)", () => {
  const fields = '[{"title":"revision","value":"main@sha1:abc","short":false},{"title":"summary","value":"prod: eu","short":false}]';
  test("slack: attachment with fallback, danger color, username from the controller, Bearer token", async () => {
    const [r] = await send("slack", { channel: "ops", token: "xoxb-1" }, event("error"));
    expect(r!.body).toBe(
      `{"channel":"ops","username":"kustomize-controller","icon_url":"","icon_emoji":"","attachments":[{"fallback":"kustomization/webapp.apps: Health check failed","color":"danger","author_name":"kustomization/webapp.apps","text":"Health check failed\\nafter 5m: \\u003cdeploy\\u003e","mrkdwn_in":["text"],"fields":${fields}}]}`,
    );
    expect(r!.headers.authorization).toBe("Bearer xoxb-1");
  });

  test("slack chat.postMessage: {ok:false} is a failure", async () => {
    const n = NOTIFIERS.slack!({ type: "slack", address: "https://slack.com/api/chat.postMessage", token: "t" });
    const fake = async () => new Response('{"ok":false,"error":"channel_not_found"}');
    await expect(n.post(event("info"), httpPort({ fetch: fake, signal: AbortSignal.timeout(1000), retries: 0 }))).rejects.toThrow("Slack responded with error: channel_not_found");
  });

  test("discord: the Slack payload to <webhook>/slack, no channel, no fallback", async () => {
    const [r] = await send("discord", { username: "flux" }, event("info"), "/api/webhooks/1/tok");
    expect(r!.path).toBe("/api/webhooks/1/tok/slack");
    expect(r!.body).toBe(
      `{"channel":"","username":"flux","icon_url":"","icon_emoji":"","attachments":[{"fallback":"","color":"good","author_name":"kustomization/webapp.apps","text":"Health check failed\\nafter 5m: \\u003cdeploy\\u003e","mrkdwn_in":["text"],"fields":${fields}}]}`,
    );
  });

  test("rocket: Rocket's colors, the username as given", async () => {
    const [r] = await send("rocket", { channel: "#ops" }, event("error"));
    expect(JSON.parse(r!.body)).toMatchObject({ channel: "#ops", username: "", attachments: [{ color: "#FF0000", fallback: "" }] });
  });
});

describe("msteams (teams.go)", () => {
  test("an Adaptive Card: title, message in attention color, summary first then sorted facts", async () => {
    const [r] = await send("msteams", {}, event("error"));
    expect(r!.body).toBe(
      '{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4","body":[{"type":"Container","items":[{"type":"TextBlock","text":"kustomization/webapp.apps","size":"large","weight":"bolder","wrap":true},{"type":"TextBlock","text":"Health check failed\\nafter 5m: \\u003cdeploy\\u003e","color":"attention","wrap":true},{"type":"FactSet","facts":[{"title":"summary","value":"prod: eu"},{"title":"revision","value":"main@sha1:abc"}]}]}],"msteams":{"width":"Full"}}}]}',
    );
  });

  test("an office.com connector URL gets the MessageCard", async () => {
    const n = NOTIFIERS.msteams!({ type: "msteams", address: "https://x.webhook.office.com/webhookb2/1" });
    let body = "";
    const fake = async (_: unknown, init?: RequestInit) => ((body = String(init?.body)), new Response("1"));
    await n.post(event("info"), httpPort({ fetch: fake, signal: AbortSignal.timeout(1000), retries: 0 }));
    expect(body).toBe(
      '{"@type":"MessageCard","@context":"http://schema.org/extensions","themeColor":"0076D7","summary":"kustomization/webapp.apps","sections":[{"activityTitle":"Health check failed\\nafter 5m: \\u003cdeploy\\u003e","activitySubtitle":"kustomization/webapp.apps","facts":[{"name":"revision","value":"main@sha1:abc"},{"name":"summary","value":"prod: eu"}]}]}',
    );
  });
});

describe("googlechat, webex, telegram, matrix, lark", () => {
  test("googlechat (google_chat.go): a card, nil pointers as null, red message for errors", async () => {
    const [r] = await send("googlechat", {}, event("error"));
    expect(r!.body).toBe(
      '{"cards":[{"header":{"title":"kustomization/webapp.apps","subtitle":"kustomize-controller","imageUrl":null,"imageStyle":null},"sections":[{"header":"","widgets":[{"textParagraph":{"text":"\\u003cfont color=\\"#ff0000\\"\\u003eHealth check failed\\nafter 5m: \\u003cdeploy\\u003e\\u003c/font\\u003e"},"keyValue":null}]},{"header":"","widgets":[{"textParagraph":null,"keyValue":{"topLabel":"revision","content":"main@sha1:abc","contentMultiline":false,"bottomLabel":null,"icon":null}},{"textParagraph":null,"keyValue":{"topLabel":"summary","content":"prod: eu","contentMultiline":false,"bottomLabel":null,"icon":null}}]}]}]}',
    );
  });

  test("webex (webex.go): roomId and markdown, Bearer token", async () => {
    const [r] = await send("webex", { channel: "room-1", token: "wt" }, event("info"));
    expect(JSON.parse(r!.body)).toEqual({ roomId: "room-1", markdown: "✅ **kustomization/webapp.apps**\nHealth check failed\nafter 5m: <deploy>\n>**revision**: main@sha1:abc\n>**summary**: prod: eu\n" });
    expect(r!.headers.authorization).toBe("Bearer wt");
  });

  test("telegram (telegram.go): sendMessage under bot<token>, MarkdownV2 escaping, chat and thread ids", async () => {
    const [r] = await send("telegram", { channel: "-100:7", token: "123:abc" }, event("error"), "");
    expect(r!.path).toBe("/bot123:abc/sendMessage");
    expect(JSON.parse(r!.body)).toEqual({
      chat_id: "-100",
      message_thread_id: "7",
      text: "*🚨 kustomization/webapp/apps*\nHealth check failed\nafter 5m: <deploy\\>\n\\- *revision*: main@sha1:abc\n\\- *summary*: prod: eu\n",
      parse_mode: "MarkdownV2",
    });
  });

  test("matrix (matrix.go): PUT with the event's SHA-1 as transaction id", async () => {
    const e = event("info");
    const [r] = await send("matrix", { channel: "!room:server", token: "mt" }, e, "");
    expect(r!.method).toBe("PUT");
    expect(r!.path).toBe(`/_matrix/client/r0/rooms/!room:server/send/m.room.message/${createHash("sha1").update(encodeFluxEvent(e)).digest("hex")}`);
    expect(JSON.parse(r!.body)).toEqual({ body: "💫 kustomization/webapp.apps\nHealth check failed\nafter 5m: <deploy>\n- revision: main@sha1:abc\n- summary: prod: eu\n", msgtype: "m.text" });
    expect(r!.headers.authorization).toBe("Bearer mt");
  });

  test("lark (lark.go): an interactive card, red template for errors", async () => {
    const [r] = await send("lark", {}, event("error"));
    expect(r!.body).toBe(
      '{"msg_type":"interactive","card":{"config":{"wide_screen_mode":true},"header":{"title":{"tag":"plain_text","content":"🚨 kustomization/webapp.apps"},"template":"red"},"elements":[{"tag":"div","text":{"tag":"lark_md","content":"**Health check failed\\nafter 5m: \\u003cdeploy\\u003e**\\n\\nrevision: main@sha1:abc\\nsummary: prod: eu\\n"}}]}}',
    );
  });
});

describe("zulip, opsgenie, alertmanager, grafana", () => {
  test("zulip (zulip.go, markdown.go): a form to /api/v1/messages with basic auth", async () => {
    const [r] = await send("zulip", { channel: "flux/alerts", username: "bot@z", password: "pw" }, event("info"), "/ignored");
    expect(r!.path).toBe("/api/v1/messages");
    expect(r!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(r!.headers.authorization).toBe(`Basic ${b64("bot@z:pw")}`);
    const content = "## Flux Status\n\nℹ️ Kustomization/apps/webapp\n\nHealth check failed\nafter 5m: <deploy>\n\nMetadata:\n* `revision`: main@sha1:abc\n* `summary`: prod: eu\n";
    expect(r!.body.startsWith("content=%23%23+Flux+Status%0A%0A")).toBe(true);
    expect(Object.fromEntries(new URLSearchParams(r!.body))).toEqual({ content, to: "flux", topic: "alerts", type: "stream" });
  });

  test("zulip: a channel without a topic is Flux's error", () => {
    expect(() => NOTIFIERS.zulip!({ type: "zulip", address: server.url, channel: "flux" })).toThrow("invalid Zulip channel format, expected <channel>/<topic>, got 'flux'");
  });

  test("opsgenie (opsgenie.go): GenieKey auth, alias from the provider uid, details with severity", async () => {
    const [r] = await send("opsgenie", { token: "og", providerUid: "pu-1" }, event("error"));
    const alias = createHash("sha256").update("pu-1/Kustomization/apps/webapp/HealthCheckFailed").digest("hex");
    expect(r!.body).toBe(`{"message":"Kustomization/webapp","alias":"${alias}","description":"Health check failed\\nafter 5m: \\u003cdeploy\\u003e","details":{"revision":"main@sha1:abc","severity":"error","summary":"prod: eu"}}`);
    expect(r!.headers.authorization).toBe("GenieKey og");
  });

  test("alertmanager (alertmanager.go): one firing alert, summary as annotation, title-cased reason, zero endsAt", async () => {
    const [r] = await send("alertmanager", { token: "am" }, event("error"));
    expect(r!.body).toBe(
      '[{"status":"firing","labels":{"alertname":"FluxKustomizationHealthcheckfailed","kind":"Kustomization","name":"webapp","namespace":"apps","reason":"HealthCheckFailed","reportingcontroller":"kustomize-controller","revision":"main@sha1:abc","severity":"error"},"annotations":{"message":"Health check failed\\nafter 5m: \\u003cdeploy\\u003e","summary":"prod: eu"},"startsAt":"2026-12-06T08:00:00Z","endsAt":"0001-01-01T00:00:00Z"}]',
    );
    expect(r!.headers.authorization).toBe("Bearer am");
  });

  test("alertmanager: basic auth replaces the token when both are set (Flux keeps the last request modifier)", async () => {
    const [r] = await send("alertmanager", { token: "am", username: "u", password: "p" }, event("info"));
    expect(r!.headers.authorization).toBe(`Basic ${b64("u:p")}`);
  });

  test("grafana (grafana.go): an annotation in unix seconds, ':' replaced by '|' in tags, basic auth without token", async () => {
    const [r] = await send("grafana", { username: "admin", password: "pw" }, event("info"));
    expect(r!.body).toBe('{"when":1796544000,"text":"kustomization/webapp.apps","tags":["flux","kustomize-controller","revision: main@sha1|abc","summary: prod| eu","kind: Kustomization","name: webapp","namespace: apps"]}');
    expect(r!.headers.authorization).toBe(`Basic ${b64("admin:pw")}`);
  });
});

describe("pagerduty and datadog", () => {
  test("pagerduty (pagerduty.go, go-pagerduty v1.8.0): an error triggers an alert keyed by the object's UID", async () => {
    const reqs = await send("pagerduty", { channel: "rk-1" }, event("error"), "/ignored/path");
    expect(reqs.map((r) => r.path)).toEqual(["/v2/enqueue"]);
    expect(reqs[0]!.body).toBe(
      '{"routing_key":"rk-1","event_action":"trigger","dedup_key":"u-1","payload":{"summary":"health check failed: kustomization/webapp","source":"Flux kustomize-controller","severity":"error","timestamp":"2026-12-06T08:00:00Z","component":"webapp","group":"Kustomization","custom_details":{"message":"Health check failed\\nafter 5m: \\u003cdeploy\\u003e","metadata":{"revision":"main@sha1:abc","summary":"prod: eu"}}}}',
    );
  });

  test("pagerduty: an info event resolves and is sent as a change event; Progressing is skipped", async () => {
    const reqs = await send("pagerduty", { channel: "rk-1" }, event("info"));
    expect(reqs.map((r) => r.path)).toEqual(["/v2/enqueue", "/v2/change/enqueue"]);
    expect(reqs[0]!.body).toBe('{"routing_key":"rk-1","event_action":"resolve","dedup_key":"u-1"}');
    expect(reqs[1]!.body).toBe(
      '{"routing_key":"rk-1","payload":{"summary":"health check failed: kustomization/webapp","source":"Flux kustomize-controller","timestamp":"2026-12-06T08:00:00Z","custom_details":{"message":"Health check failed\\nafter 5m: \\u003cdeploy\\u003e","metadata":{"revision":"main@sha1:abc","summary":"prod: eu"}}}}',
    );
    expect(await send("pagerduty", { channel: "rk-1" }, { ...event("info"), reason: "Progressing" })).toEqual([]);
  });

  test("datadog (datadog.go, datadog-api-client-go v2): /api/v1/events with DD-API-KEY, fields in key order, lower-cased tags", async () => {
    const [r] = await send("datadog", { token: "dd-key" }, event("error"), "/whatever");
    expect(r!.path).toBe("/api/v1/events");
    expect(r!.headers["dd-api-key"]).toBe("dd-key");
    expect(r!.body).toBe(
      '{"alert_type":"error","date_happened":1796544000,"source_type_name":"fluxcd","tags":["flux_reporting_controller:kustomize-controller","flux_reason:healthcheckfailed","kube_kind:kustomization","kube_name:webapp","kube_namespace:apps","revision:main@sha1:abc","summary:prod: eu"],"text":"Health check failed\\nafter 5m: \\u003cdeploy\\u003e","title":"Events from the Kustomization webapp/apps"}',
    );
  });
});

describe("the HTTP port (go-retryablehttp as Flux configures it)", () => {
  test("retries 5xx and gives up with the status and body", async () => {
    server.requests.length = 0;
    server.answer(503, "busy");
    const n = NOTIFIERS.generic!({ type: "generic", address: `${server.url}/h` });
    await expect(n.post(event("info"), httpPort({ fetch, signal: AbortSignal.timeout(5000), retries: 2, retryWaitMinMs: 1 }))).rejects.toThrow("giving up after 3 attempt(s): request failed with status code 503: busy");
    expect(server.requests.length).toBe(3);
  });

  test("does not retry a 4xx", async () => {
    server.requests.length = 0;
    server.answer(401, "no");
    const n = NOTIFIERS.generic!({ type: "generic", address: `${server.url}/h` });
    await expect(n.post(event("info"), httpPort({ fetch, signal: AbortSignal.timeout(5000), retries: 2, retryWaitMinMs: 1 }))).rejects.toThrow("request failed: request failed with status code 401: no");
    expect(server.requests.length).toBe(1);
  });
});
