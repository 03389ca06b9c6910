/**
 * Whether a webhook call may trigger a Receiver's reconciles: the check each receiver type makes, as
 * notification-controller's receiver handler makes it (internal/server/receiver_handlers.go). Pure: the
 * request's headers and exact body bytes in, a verdict with the event type and the payload out. The
 * messages are the controller's own, for the log; they never contain the token.
 *
 * Limits, said plainly: `gcr` needs Google's OIDC ID token verified against Google's signing keys, and
 * `generic-oidc` an issuer's keys; rivulet fetches neither, so both are refused here and marked not
 * ready by the Receiver reconciler. `cdevents` checks the CDEvents v0.4 envelope (context and subject
 * fields, the event type's form), not each event type's full JSON schema.
 */
import { decodeHex, hex, hmac, timingSafeEqual, type HmacAlgorithm } from "./hmac.ts";

export interface WebhookRequest {
  /** Case-insensitive header lookup (a fetch `Headers`). */
  headers: Headers;
  /** The exact bytes received, already capped by the HTTP layer. */
  body: Uint8Array;
}

export interface CheckInput {
  type: string;
  /** spec.events: an allow-list of event types, compared case-insensitively (github, gitlab, bitbucket, cdevents). */
  events?: readonly string[];
  /** The `token` key of spec.secretRef. */
  token: string;
}

export type CheckResult = { ok: true; event?: string; payload: Uint8Array } | { ok: false; error: string };

const fail = (error: string): CheckResult => ({ ok: false, error });
const pass = (payload: Uint8Array, event?: string): CheckResult => ({ ok: true, payload, ...(event !== undefined ? { event } : {}) });

/** Types that have no check rivulet can make offline, with the reason. */
export const UNSUPPORTED_TYPES: Readonly<Record<string, string>> = {
  gcr: "verifying the Google OIDC ID token of a Pub/Sub push needs Google's signing keys, which rivulet does not fetch",
  "generic-oidc": "verifying OIDC bearer tokens needs the issuers' signing keys and CEL validations, which rivulet does not have",
};

export async function checkWebhook(input: CheckInput, req: WebhookRequest): Promise<CheckResult> {
  const { body, headers } = req;
  const allowed = (event: string) => !input.events?.length || input.events.some((e) => e.toLowerCase() === event.toLowerCase());
  switch (input.type) {
    case "generic":
      return pass(body);
    case "generic-hmac": {
      const err = await validateSignature(headers.get("X-Signature") ?? "", body, input.token);
      return err ? fail(`unable to validate HMAC signature: ${err}`) : pass(body);
    }
    case "github": {
      const r = await validatePayload(headers, body, input.token);
      if ("error" in r) return fail(`the GitHub signature header is invalid, err: ${r.error}`);
      const event = headers.get("X-GitHub-Event") ?? "";
      return allowed(event) ? pass(r.payload, event) : fail(`the GitHub event "${event}" is not authorised`);
    }
    case "gitlab": {
      if ((headers.get("X-Gitlab-Token") ?? "") !== input.token) return fail("the X-Gitlab-Token header value does not match the receiver token");
      const event = headers.get("X-Gitlab-Event") ?? "";
      return allowed(event) ? pass(body, event) : fail(`the GitLab event "${event}" is not authorised`);
    }
    case "bitbucket": {
      const r = await validatePayload(headers, body, input.token);
      if ("error" in r) return fail(`the Bitbucket server signature header is invalid, err: ${r.error}`);
      const event = headers.get("X-Event-Key") ?? "";
      return allowed(event) ? pass(r.payload, event) : fail(`the Bitbucket server event "${event}" is not authorised`);
    }
    case "cdevents": {
      const event = headers.get("Ce-Type") ?? "";
      const err = cdEventError(body);
      if (err) return fail(`unable to validate CDEvent event: ${err}`);
      return allowed(event) ? pass(body, event) : fail(`the CDEvent "${event}" is not authorised`);
    }
    case "quay": {
      const err = decodeError(body, { docker_url: "string", updated_tags: "string[]" });
      return err ? fail(`cannot decode Quay webhook payload: ${err}`) : pass(body);
    }
    case "harbor":
      return (headers.get("Authorization") ?? "") === input.token ? pass(body) : fail("the Harbor Authorization header value does not match the receiver token");
    case "dockerhub":
      return decodeError(body, { push_data: { tag: "string" }, repository: { repo_url: "string" } }) ? fail("cannot decode DockerHub webhook payload") : pass(body);
    case "nexus": {
      const signature = headers.get("X-Nexus-Webhook-Signature") ?? "";
      if (!signature) return fail("the Nexus signature is missing from header");
      // Nexus sends the lower-case hex of HMAC-SHA1; the comparison is of the hex text, as Flux's.
      const expected = hex(await hmac("sha1", input.token, body));
      if (!timingSafeEqual(new TextEncoder().encode(signature), new TextEncoder().encode(expected))) return fail("invalid Nexus signature");
      const err = decodeError(body, { action: "string", repositoryName: "string" }, { whole: true });
      return err ? fail(`cannot decode Nexus webhook payload: ${err}`) : pass(body);
    }
    case "acr": {
      const err = decodeError(body, { action: "string", target: { repository: "string", tag: "string" } });
      return err ? fail(`cannot decode ACR webhook payload: ${err}`) : pass(body);
    }
  }
  if (UNSUPPORTED_TYPES[input.type]) return fail(`receiver type "${input.type}" is not supported by rivulet: ${UNSUPPORTED_TYPES[input.type]}`);
  return fail(`recevier type "${input.type}" not supported`);
}

/**
 * go-github's ValidateSignature: `<algo>=<hex>` with algo sha1, sha256 or sha512, an HMAC keyed by the
 * token over the raw body. Returns the failure, or undefined when the signature holds.
 */
export async function validateSignature(signature: string, body: Uint8Array, token: string): Promise<string | undefined> {
  if (signature === "") return "missing signature";
  const eq = signature.indexOf("=");
  if (eq < 0) return `error parsing signature "${signature}"`;
  const algo = signature.slice(0, eq);
  if (algo !== "sha1" && algo !== "sha256" && algo !== "sha512") return `unknown hash type prefix: "${algo}"`;
  const mac = decodeHex(signature.slice(eq + 1));
  if (!mac) return `error decoding signature "${signature}": encoding/hex: invalid byte or odd length`;
  return timingSafeEqual(mac, await hmac(algo as HmacAlgorithm, token, body)) ? undefined : "payload signature check failed";
}

/**
 * go-github's ValidatePayload: the signature from X-Hub-Signature-256, else X-Hub-Signature; a JSON
 * body is the payload, a form body carries it in `payload` (the signature covers the raw body either
 * way); any other Content-Type is refused. As in go-github (v51 on), the signature is checked when the
 * token is set or a signature is sent: only an empty token with no signature skips the check.
 */
export async function validatePayload(headers: Headers, body: Uint8Array, token: string): Promise<{ payload: Uint8Array } | { error: string }> {
  const signature = headers.get("X-Hub-Signature-256") || headers.get("X-Hub-Signature") || "";
  const media = mediaType(headers.get("Content-Type") ?? "");
  if ("error" in media) return media;
  let payload: Uint8Array;
  if (media.type === "application/json") payload = body;
  else if (media.type === "application/x-www-form-urlencoded") payload = new TextEncoder().encode(new URLSearchParams(new TextDecoder().decode(body)).get("payload") ?? "");
  else return { error: `webhook request has unsupported Content-Type "${media.type}"` };
  if (token.length > 0 || signature.length > 0) {
    const err = await validateSignature(signature, body, token);
    if (err) return { error: err };
  }
  return { payload };
}

/** Go's mime.ParseMediaType, as far as the type goes: lower-cased `type/subtype`, parameters dropped. */
function mediaType(header: string): { type: string } | { error: string } {
  const type = (header.split(";")[0] ?? "").trim().toLowerCase();
  if (type === "") return { error: "mime: no media type" };
  if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+\/[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(type)) return { error: "mime: expected slash after first token" };
  return { type };
}

type Shape = "string" | "string[]" | { [field: string]: Shape };

/**
 * What Go's json decoding into the controller's payload struct would complain about: invalid JSON, a
 * top-level value that is not an object, or a known field of the wrong type (null and unknown fields
 * are accepted, as Go accepts them). `whole` is json.Unmarshal (nothing may follow the value);
 * otherwise json.Decoder, which reads only the first value.
 */
function decodeError(body: Uint8Array, shape: Shape, o: { whole?: boolean } = {}): string | undefined {
  const text = new TextDecoder().decode(body);
  if (text.trim() === "") return o.whole ? "unexpected end of JSON input" : "EOF";
  let value: unknown;
  try {
    value = JSON.parse(o.whole ? text : firstJsonValue(text));
  } catch (err) {
    return (err as Error).message;
  }
  return shapeError(value, shape, "");
}

function shapeError(value: unknown, shape: Shape, at: string): string | undefined {
  if (value === null || value === undefined) return undefined; // Go leaves missing and null fields at their zero value
  const name = at || "payload";
  if (shape === "string") return typeof value === "string" ? undefined : `json: cannot unmarshal ${jsonType(value)} into Go struct field ${name} of type string`;
  if (shape === "string[]") {
    if (!Array.isArray(value)) return `json: cannot unmarshal ${jsonType(value)} into Go struct field ${name} of type []string`;
    const bad = value.find((v) => v !== null && typeof v !== "string");
    return bad === undefined ? undefined : `json: cannot unmarshal ${jsonType(bad)} into Go struct field ${name} of type string`;
  }
  if (typeof value !== "object" || Array.isArray(value)) return `json: cannot unmarshal ${jsonType(value)} into Go value of type ${at ? `struct field ${at}` : "payload"}`;
  for (const [field, sub] of Object.entries(shape)) {
    const err = shapeError((value as Record<string, unknown>)[field], sub, at ? `${at}.${field}` : field);
    if (err) return err;
  }
  return undefined;
}

const jsonType = (v: unknown) => (Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v);

/** The first JSON value of a stream (json.Decoder reads one value and leaves the rest). */
function firstJsonValue(text: string): string {
  const start = text.search(/\S/);
  const open = text[start];
  if (open !== "{" && open !== "[") return text;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if ((c === "}" || c === "]") && --depth === 0) return text.slice(start, i + 1);
  }
  return text;
}

/** The CDEvents v0.4 envelope: context {version, id, source, type, timestamp} and subject {id, content}. */
function cdEventError(body: Uint8Array): string | undefined {
  let ev: { context?: Record<string, unknown>; subject?: Record<string, unknown> };
  try {
    ev = JSON.parse(new TextDecoder().decode(body));
  } catch (err) {
    return (err as Error).message;
  }
  if (!ev || typeof ev !== "object" || Array.isArray(ev)) return "the event is not a JSON object";
  const ctx = ev.context;
  if (!ctx || typeof ctx !== "object") return "context is required";
  for (const f of ["version", "id", "source", "type", "timestamp"]) {
    if (typeof ctx[f] !== "string" || ctx[f] === "") return `context.${f} is required`;
  }
  if (!/^dev\.cdevents\.[a-z]+\.[a-z]+\.\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(ctx.type as string)) return `unknown event type ${ctx.type}`;
  if (!/^0\.4\.\d+/.test(ctx.version as string)) return `specversion ${ctx.version} is not 0.4`;
  if (Number.isNaN(Date.parse(ctx.timestamp as string))) return `context.timestamp ${ctx.timestamp} is not an RFC 3339 time`;
  const subject = ev.subject;
  if (!subject || typeof subject !== "object") return "subject is required";
  if (typeof subject.id !== "string" || subject.id === "") return "subject.id is required";
  if (!subject.content || typeof subject.content !== "object" || Array.isArray(subject.content)) return "subject.content is required";
  return undefined;
}
