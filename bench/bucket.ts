/**
 * Bucket source benchmark: fetchBucketArtifact against s3rver (test/support/s3-server.ts) running in a
 * separate Bun process on 127.0.0.1, so server and client do not share an event loop.
 *
 * Measured in one run, median of RUNS:
 * - full fetch (list + GET of every object + index + file tree), anonymous, at concurrency 1, 4, 16
 *   (default), 64, against the peer: raw unsigned `fetch` GETs of the same keys at the same concurrency,
 *   with no listing, XML or index work (the floor the server allows). Ratio = ours / peer;
 * - signed (SigV4) vs anonymous full fetch at 16: the signing cost, client and (test) server side;
 * - the unchanged path (list only, revision equal to lastRevision) vs the full signed fetch.
 *
 *   npx bun bench/bucket.ts [objects=500] [bytes=4096]
 */
import { spawn } from "node:child_process";
import { fetchBucketArtifact } from "../agent/source/bucket/fetch-bucket-artifact.ts";
import { createFetch } from "../agent/runtime/http-fetch.ts";
import { startS3Server } from "../test/support/s3-server.ts";

const RUNS = 5;

if (process.argv[2] === "--serve") {
  const s3 = await startS3Server({ allowAnonymous: true });
  process.stdout.write(JSON.stringify({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey }) + "\n");
  process.stdin.resume();
  process.stdin.on("end", () => void s3.stop().then(() => process.exit(0)));
} else {
  const objects = Number(process.argv[2] ?? 500);
  const bytes = Number(process.argv[3] ?? 4096);
  const child = spawn(process.execPath, [import.meta.filename, "--serve"], { stdio: ["pipe", "pipe", "inherit"] });
  const info = await new Promise<{ endpoint: string; accessKey: string; secretKey: string }>((resolve) => {
    child.stdout!.once("data", (d: Buffer) => resolve(JSON.parse(d.toString())));
  });
  const { AwsClient } = await import("aws4fetch");
  const admin = new AwsClient({ accessKeyId: info.accessKey, secretAccessKey: info.secretKey, service: "s3", region: "us-east-1", retries: 0 });
  const base = `http://${info.endpoint}`;
  await fetch(await admin.sign(`${base}/bench`, { method: "PUT" }));
  const keys = Array.from({ length: objects }, (_, i) => `apps/${String(i % 20)}/obj-${i}.yaml`);
  const body = "x".repeat(bytes);
  for (let i = 0; i < keys.length; i += 25) {
    await Promise.all(keys.slice(i, i + 25).map(async (k) => (await fetch(await admin.sign(`${base}/bench/${k}`, { method: "PUT", body }))).arrayBuffer()));
  }

  const f = createFetch();
  const spec = { bucketName: "bench", endpoint: info.endpoint, insecure: true, credentials: { accessKey: info.accessKey, secretKey: info.secretKey }, fetch: f };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const time = async (fn: () => Promise<unknown>) => {
    await fn(); // warm-up
    const out: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await fn();
      out.push(performance.now() - t);
    }
    return median(out);
  };
  const raw = async (concurrency: number) => {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < keys.length) await (await f(`${base}/bench/${keys[next++]}`)).arrayBuffer();
    }));
  };

  const rows: string[] = [];
  const anonymous = { ...spec, credentials: undefined };
  for (const concurrency of [1, 4, 16, 64]) {
    const ours = await time(() => fetchBucketArtifact({ ...anonymous, limits: { concurrency } }));
    const peer = await time(() => raw(concurrency));
    rows.push(`| full fetch, anonymous, concurrency ${concurrency} | raw unsigned GETs | ${ours.toFixed(0)} ms | ${peer.toFixed(0)} ms | ${(ours / peer).toFixed(2)}× |`);
  }
  let revision = "";
  const signed = await time(async () => {
    revision = (await fetchBucketArtifact(spec)).revision;
  });
  const anon16 = await time(() => fetchBucketArtifact(anonymous));
  rows.push(`| full fetch, SigV4-signed, concurrency 16 | same, anonymous | ${signed.toFixed(0)} ms | ${anon16.toFixed(0)} ms | ${(signed / anon16).toFixed(2)}× |`);
  const unchanged = await time(() => fetchBucketArtifact({ ...spec, lastRevision: revision }));
  rows.push(`| unchanged (list only), signed | full fetch, signed | ${unchanged.toFixed(0)} ms | ${signed.toFixed(0)} ms | ${(unchanged / signed).toFixed(2)}× |`);

  const runtime = typeof Bun !== "undefined" ? `Bun ${Bun.version}` : `Node ${process.version}`;
  console.log(`${runtime}, ${objects} objects x ${bytes} bytes, median of ${RUNS}\n`);
  console.log("| case | peer | rivulet | peer time | ratio |\n|---|---|---|---|---|");
  console.log(rows.join("\n"));
  child.stdin!.end();
  child.kill();
}
