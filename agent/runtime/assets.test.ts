import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assetRoot } from "./assets.ts";

describe("assetRoot", () => {
  test("is the checkout's root when running from sources", () => {
    expect(existsSync(fileURLToPath(new URL("deploy/tenant/kustomization.yaml", assetRoot())))).toBe(true);
  });

  test("is share/rivulet beside the executable in a compiled binary", () => {
    expect(assetRoot("file:///$bunfs/root/rivulet", "/usr/local/bin/rivulet").href).toBe("file:///usr/local/share/rivulet/");
  });
});
