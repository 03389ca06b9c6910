import { expect, test } from "bun:test";
import { createLogger } from "./logger.ts";

const fixed = () => new Date("2026-01-02T03:04:05.000Z");

test("log lines are single JSON objects with level, ts, msg and fields", () => {
  const lines: string[] = [];
  createLogger((l) => lines.push(l), { now: fixed }).info("started", { namespace: "a" });
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toEqual({ level: "info", ts: "2026-01-02T03:04:05.000Z", msg: "started", namespace: "a" });
});

test("lines below the level are dropped", () => {
  const lines: string[] = [];
  const log = createLogger((l) => lines.push(l), { level: "info", now: fixed });
  log.debug("noise");
  log.error("bad");
  expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["bad"]);
});

test("with() adds fields to every line and errors become their message", () => {
  const lines: string[] = [];
  const log = createLogger((l) => lines.push(l), { now: fixed }).with({ logger: "leader" });
  log.error("lost lease", { error: new Error("timeout") });
  expect(JSON.parse(lines[0]!)).toMatchObject({ logger: "leader", msg: "lost lease", error: "timeout" });
});
