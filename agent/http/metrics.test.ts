import { expect, test } from "bun:test";
import { agentMetrics, Counter, Histogram, Registry } from "./metrics.ts";

test("counters render with sorted, escaped labels in the text format", () => {
  const r = new Registry();
  const c = r.register(new Counter("requests_total", "Requests."));
  c.inc({ verb: "get" });
  c.inc({ verb: "get" });
  c.inc({ verb: 'we"ird', a: "x" }, 3);
  expect(r.render()).toBe(
    ['# HELP requests_total Requests.', "# TYPE requests_total counter", 'requests_total{verb="get"} 2', 'requests_total{a="x",verb="we\\"ird"} 3', ""].join("\n"),
  );
});

test("histograms count each observation in every bucket at or above it, plus +Inf, sum and count", () => {
  const h = new Histogram("d_seconds", "D.", [0.1, 1]);
  h.observe({ kind: "K" }, 0.05);
  h.observe({ kind: "K" }, 0.5);
  h.observe({ kind: "K" }, 5);
  const text = h.render().join("\n");
  expect(text).toContain('d_seconds_bucket{kind="K",le="0.1"} 1');
  expect(text).toContain('d_seconds_bucket{kind="K",le="1"} 2');
  expect(text).toContain('d_seconds_bucket{kind="K",le="+Inf"} 3');
  expect(text).toContain('d_seconds_sum{kind="K"} 5.55');
  expect(text).toContain('d_seconds_count{kind="K"} 3');
});

test("the agent's registry uses Flux's metric name and reads RSS when rendered", () => {
  let rss = 1000;
  const m = agentMetrics({ rss: () => rss });
  m.reconcileDuration.observe({ kind: "GitRepository", name: "a", namespace: "n" }, 0.2);
  rss = 2048;
  const text = m.registry.render();
  expect(text).toContain('gotk_reconcile_duration_seconds_count{kind="GitRepository",name="a",namespace="n"} 1');
  expect(text).toContain("process_resident_memory_bytes 2048");
});

test("gauge series can be removed by a subset of their labels", () => {
  const m = agentMetrics();
  m.condition.set({ kind: "K", name: "a", namespace: "n", type: "Ready", status: "True" }, 1);
  m.condition.set({ kind: "K", name: "b", namespace: "n", type: "Ready", status: "True" }, 1);
  m.condition.deleteMatching({ kind: "K", name: "a" });
  const text = m.registry.render();
  expect(text).not.toContain('name="a"');
  expect(text).toContain('name="b"');
});
