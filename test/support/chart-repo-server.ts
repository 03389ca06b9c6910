/**
 * A Helm chart repository for tests, speaking the real protocol: `GET <base>/index.yaml` and
 * `GET <base>/charts/<name>-<version>.tgz`, served by a Hono app on 127.0.0.1 over HTTP or HTTPS (a test
 * CA made with @peculiar/x509, optionally requiring a client certificate), with optional basic auth or a
 * bearer token answered as chartmuseum does (401 with WWW-Authenticate). Charts are packaged from small file maps with
 * rivulet's own packer (tar + deterministic gzip) under the top-level `<name>/` directory `helm package`
 * writes, and the index is regenerated as `helm repo index` writes it (entries newest first, sha256
 * digests of the .tgz, chart URLs relative or absolute).
 */
import "./reflect-polyfill.ts";
import type * as X509 from "@peculiar/x509";
import { webcrypto } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { Hono } from "hono";
import { pack } from "../../agent/artifact/pack.ts";
import { textFileTree } from "../../agent/artifact/file-tree.ts";
import { emitYaml } from "../../agent/yaml/emit.ts";

export interface TestChart {
  name: string;
  version: string;
  appVersion?: string;
  /** Files under the chart directory besides Chart.yaml (templates/, values.yaml, ...). */
  files?: Record<string, string>;
}

export interface ChartRepoOptions {
  /** Require these credentials (basic auth, or `Authorization: Bearer <token>`) for every request. */
  auth?: { username: string; password: string } | { bearerToken: string };
  /** Serve HTTPS with a fresh test CA; `clientAuth` also requires a client certificate signed by it. */
  tls?: { clientAuth?: boolean };
  /** Chart URLs in the index: relative to the repository (default, as `helm repo index` without --url) or absolute. */
  chartUrls?: "relative" | "absolute";
  /** Path the repository lives under, e.g. "/stable". */
  basePath?: string;
}

export interface ChartRepoServer {
  /** The repository URL (HelmRepository spec.url). */
  url: string;
  /** PEM material when serving HTTPS: the CA that signed the server, and a client pair it also signed. */
  tls?: { ca: string; clientCert: string; clientKey: string };
  /** Requests received, as `GET /path STATUS`, then ` with credentials` when an Authorization header came. */
  requests: string[];
  /** Packages the chart, adds it to the index and returns the .tgz and its hex sha256. */
  addChart(chart: TestChart): Promise<{ file: string; tgz: Uint8Array; digest: string }>;
  /** The index as currently served. */
  indexText(): string;
  /** Serves this text as index.yaml instead of the generated one (malformed-input tests). */
  overrideIndex(text: string | undefined): void;
  stop(): Promise<void>;
}

export async function startChartRepoServer(o: ChartRepoOptions = {}): Promise<ChartRepoServer> {
  const base = (o.basePath ?? "").replace(/\/+$/, "");
  const charts = new Map<string, { chart: TestChart; tgz: Uint8Array; digest: string; created: string }>();
  const requests: string[] = [];
  let override: string | undefined;
  let url = "";
  // As `helm repo index`: the index (and its generated time) changes only when the charts do.
  let generated = new Date().toISOString();

  const indexText = (): string => {
    if (override !== undefined) return override;
    const entries: Record<string, unknown[]> = {};
    const sorted = [...charts.values()].sort((a, b) => (a.chart.name < b.chart.name ? -1 : a.chart.name > b.chart.name ? 1 : compareVersions(b.chart.version, a.chart.version)));
    for (const c of sorted) {
      const file = `charts/${c.chart.name}-${c.chart.version}.tgz`;
      (entries[c.chart.name] ??= []).push({
        apiVersion: "v2",
        ...(c.chart.appVersion ? { appVersion: c.chart.appVersion } : {}),
        created: c.created,
        description: `A test chart: ${c.chart.name}`,
        digest: c.digest,
        name: c.chart.name,
        type: "application",
        urls: [o.chartUrls === "absolute" ? `${url}/${file}` : file],
        version: c.chart.version,
      });
    }
    return emitYaml({ apiVersion: "v1", entries, generated });
  };

  const app = new Hono();
  app.use("*", async (c, next) => {
    await next();
    requests.push(`${c.req.method} ${new URL(c.req.url).pathname} ${c.res.status}${c.req.header("authorization") ? " with credentials" : ""}`);
  });
  if (o.auth) {
    const bearer = "bearerToken" in o.auth;
    const want = "bearerToken" in o.auth ? `Bearer ${o.auth.bearerToken}` : `Basic ${Buffer.from(`${o.auth.username}:${o.auth.password}`).toString("base64")}`;
    const challenge = bearer ? 'Bearer realm="chartmuseum"' : 'Basic realm="chartmuseum"';
    app.use("*", async (c, next) => {
      if (c.req.header("authorization") !== want) return c.text("Unauthorized\n", 401, { "WWW-Authenticate": challenge });
      await next();
    });
  }
  app.get(`${base}/index.yaml`, (c) => c.body(indexText(), 200, { "Content-Type": "application/x-yaml" }));
  app.get(`${base}/charts/:file`, (c) => {
    const hit = [...charts.values()].find((x) => `${x.chart.name}-${x.chart.version}.tgz` === c.req.param("file"));
    return hit ? c.body(hit.tgz.slice().buffer as ArrayBuffer, 200, { "Content-Type": "application/gzip" }) : c.text("not found\n", 404);
  });

  const material = o.tls ? await testTlsMaterial() : undefined;
  const handler = bridge(app.fetch);
  const server = material
    ? createHttpsServer({ cert: material.serverCert, key: material.serverKey, ca: material.ca, requestCert: Boolean(o.tls?.clientAuth), rejectUnauthorized: Boolean(o.tls?.clientAuth) }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  url = `${material ? "https" : "http"}://127.0.0.1:${port}${base}`;

  return {
    url,
    tls: material && { ca: material.ca, clientCert: material.clientCert, clientKey: material.clientKey },
    requests,
    async addChart(chart) {
      const chartYaml = emitYaml({ apiVersion: "v2", name: chart.name, version: chart.version, ...(chart.appVersion ? { appVersion: chart.appVersion } : {}), type: "application" });
      const files: Record<string, string> = { [`${chart.name}/Chart.yaml`]: chartYaml };
      for (const [p, text] of Object.entries(chart.files ?? { "values.yaml": "replicas: 1\n" })) files[`${chart.name}/${p}`] = text;
      const packed = await pack(textFileTree(files));
      const digest = packed.digest.slice("sha256:".length);
      generated = new Date().toISOString();
      charts.set(`${chart.name}@${chart.version}`, { chart, tgz: packed.bytes, digest, created: generated });
      return { file: `${chart.name}-${chart.version}.tgz`, tgz: packed.bytes, digest };
    },
    indexText,
    overrideIndex(text) {
      override = text;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** node:http(s) request -> fetch-style handler -> response. */
function bridge(handler: (req: Request) => Response | Promise<Response>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const r = await handler(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string> }));
      res.writeHead(r.status, Object.fromEntries(r.headers));
      res.end(Buffer.from(await r.arrayBuffer()));
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  };
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

let x509: typeof X509 | undefined;

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all PEM. */
export async function testTlsMaterial(): Promise<{ ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string }> {
  x509 ??= await import("@peculiar/x509");
  const x = x509;
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const now = Date.now();
  const validity = { notBefore: new Date(now - 86400e3), notAfter: new Date(now + 86400e3) };
  const caKeys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=rivulet-test-ca",
    keys: caKeys,
    signingAlgorithm: alg,
    ...validity,
    extensions: [new x.BasicConstraintsExtension(true, 0, true), new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign, true)],
  });
  const leaf = async (serial: string, cn: string, usage: string, san?: X509.JsonGeneralNames) => {
    const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
    const cert = await x.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: `CN=${cn}`,
      issuer: ca.subject,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: alg,
      ...validity,
      extensions: [
        new x.BasicConstraintsExtension(false, undefined, true),
        new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature, true),
        new x.ExtendedKeyUsageExtension([usage]),
        ...(san ? [new x.SubjectAlternativeNameExtension(san)] : []),
      ],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
    return { cert: cert.toString("pem"), key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join("\n")}\n-----END PRIVATE KEY-----\n` };
  };
  const server = await leaf("02", "127.0.0.1", x.ExtendedKeyUsage.serverAuth, [{ type: "ip", value: "127.0.0.1" }]);
  const client = await leaf("03", "rivulet-test-client", x.ExtendedKeyUsage.clientAuth);
  return { ca: ca.toString("pem"), serverCert: server.cert, serverKey: server.key, clientCert: client.cert, clientKey: client.key };
}
