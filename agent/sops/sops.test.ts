import { expect, test } from "bun:test";
import { SopsError } from "./sops.ts";

test("a SopsError names its file and key group", () => {
  const e = new SopsError("secret.yaml", "Failed to get the data key", { keyGroup: "0" });
  expect([e.file, e.keyGroup, e.message]).toEqual(["secret.yaml", "0", "Failed to get the data key"]);
});
