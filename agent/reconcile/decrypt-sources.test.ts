import { describe, expect, test } from "bun:test";
import { textFileTree } from "../artifact/file-tree.ts";
import { EMPTY_KEYRING } from "./decryption-keys.ts";
import { decryptSources } from "./decrypt-sources.ts";
import { fakeSops, seal } from "./testdata/fake-sops.ts";

const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

describe("decryption before the build", () => {
  const files = {
    "app/kustomization.yaml": [
      "resources: [../base]",
      "secretGenerator:",
      "- name: s",
      "  files: [token=token.enc, .dockerconfigjson=docker.enc, plain.txt]",
      "  envs: [app.env, settings]",
      "patches: [{path: patch.yaml}]",
      "",
    ].join("\n"),
    "app/token.enc": seal("s3cret", "binary"),
    "app/docker.enc": seal('{"auths":{}}', "json"),
    "app/plain.txt": "not encrypted\n",
    "app/app.env": seal("PASSWORD=hunter2\n", "dotenv"),
    "app/settings": seal("MODE=prod\n", "dotenv"),
    "app/patch.yaml": seal("kind: Secret\n", "yaml"),
    "base/kustomization.yaml": "secretGenerator: [{name: b, envs: [b.env]}]\n",
    "base/b.env": seal("B=1\n", "dotenv"),
    "unrelated.env": seal("X=1\n", "dotenv"),
  };

  test("decrypts each named file that carries its format's marker, in Flux's format, and nothing else", async () => {
    const sops = fakeSops();
    const tree = textFileTree(files);
    const r = await decryptSources(tree, "app", EMPTY_KEYRING, sops);
    expect(sops.calls).toEqual([
      "app/token.enc binary",
      "app/docker.enc json",
      "app/app.env dotenv",
      "app/settings dotenv",
      "app/patch.yaml yaml",
      "base/b.env dotenv",
    ]);
    expect([...r.decrypted.keys()]).toEqual(["app/token.enc", "app/docker.enc", "app/app.env", "app/settings", "app/patch.yaml", "base/b.env"]);
    expect(text(r.tree.read("app/app.env"))).toBe("PASSWORD=hunter2\n");
    expect(text(r.tree.read("app/plain.txt"))).toBe("not encrypted\n");
    expect(text(r.tree.read("unrelated.env"))).toBe(files["unrelated.env"]);
    // The artifact's own tree (cached per digest) keeps its ciphertext.
    expect(text(tree.read("app/app.env"))).toBe(files["app/app.env"]);
  });

  test("returns the same tree when nothing is encrypted", async () => {
    const tree = textFileTree({ "kustomization.yaml": "secretGenerator: [{name: s, envs: [a.env]}]\n", "a.env": "A=1\n" });
    const r = await decryptSources(tree, "", EMPTY_KEYRING, fakeSops());
    expect(r.tree).toBe(tree);
  });

  test.each([
    [
      "a tampered file fails naming the file and the key group",
      { "kustomization.yaml": "secretGenerator: [{name: s, envs: [a.env]}]\n", "a.env": `${seal("A=1\n", "dotenv")}tampered\n` },
      "Cannot decrypt a.env: Failed to verify the MAC: the file was changed after it was encrypted (key group 0)",
    ],
    [
      "a missing file fails naming who refers to it",
      { "kustomization.yaml": "patches: [{path: gone.yaml}]\n" },
      'Cannot decrypt "gone.yaml" named by patches in kustomization.yaml: no such file',
    ],
  ])("%s", async (_n, tree, message) => {
    await expect(decryptSources(textFileTree(tree), "", EMPTY_KEYRING, fakeSops())).rejects.toThrow(message);
  });

  test("an encrypted file over the size limit is refused before decrypting", async () => {
    const sops = fakeSops();
    const tree = textFileTree({ "kustomization.yaml": "secretGenerator: [{name: s, envs: [a.env]}]\n", "a.env": seal("A=1\n", "dotenv") });
    await expect(decryptSources(tree, "", EMPTY_KEYRING, sops, 10)).rejects.toThrow(/^Cannot decrypt "a.env": its size \(\d+ bytes\) exceeds the limit \(10\)$/);
    expect(sops.calls).toEqual([]);
  });
});
