import { expect, test } from "bun:test";
import { findCondition, isTrue, removeCondition, setCondition } from "./conditions.ts";

const t1 = new Date("2026-01-01T00:00:00.000Z");
const t2 = new Date("2026-01-01T00:05:00.000Z");

test("a new condition gets the current time as its transition time", () => {
  const list = setCondition([], { type: "Ready", status: "True", reason: "Succeeded", message: "ok" }, t1);
  expect(list).toEqual([{ type: "Ready", status: "True", reason: "Succeeded", message: "ok", lastTransitionTime: "2026-01-01T00:00:00Z" }]);
});

test("the transition time stays when only reason or message change, and moves when status flips", () => {
  let list = setCondition([], { type: "Ready", status: "False", reason: "Failed", message: "a" }, t1);
  list = setCondition(list, { type: "Ready", status: "False", reason: "BuildFailed", message: "b" }, t2);
  expect(findCondition(list, "Ready")).toMatchObject({ reason: "BuildFailed", message: "b", lastTransitionTime: "2026-01-01T00:00:00Z" });
  list = setCondition(list, { type: "Ready", status: "True", reason: "Succeeded", message: "c" }, t2);
  expect(findCondition(list, "Ready")?.lastTransitionTime).toBe("2026-01-01T00:05:00Z");
});

test("setting one type leaves the others and their order alone; removing drops only that type", () => {
  let list = setCondition([], { type: "Reconciling", status: "True", reason: "Progressing", message: "" }, t1);
  list = setCondition(list, { type: "Ready", status: "Unknown", reason: "Progressing", message: "" }, t1);
  expect(list.map((c) => c.type)).toEqual(["Reconciling", "Ready"]);
  expect(isTrue(list, "Reconciling")).toBe(true);
  expect(removeCondition(list, "Reconciling").map((c) => c.type)).toEqual(["Ready"]);
});

test("an overlong message is cut to what the API server accepts", () => {
  const list = setCondition([], { type: "Ready", status: "False", reason: "Failed", message: "x".repeat(40_000) }, t1);
  expect(list[0]!.message.length).toBe(32_768);
  expect(list[0]!.message.endsWith("...")).toBe(true);
});
