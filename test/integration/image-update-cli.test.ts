/**
 * `rivulet create|get|suspend|resume|reconcile image update` as a user runs them (processes) against the
 * real control plane with rivulet's CRDs. No agent runs here, as no ImageUpdateAutomation reconciler
 * exists yet: the object is stored as Flux's CRD accepts it, listed with flux's columns, and a wait for
 * its reconcile says plainly that nothing has handled it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { adminClient, deleteNamespace, testCluster, uniqueNamespace } from "../support/cluster.ts";
import { startRivulet } from "../support/agent-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";

let client: KubeClient;
let ns: string;

beforeAll(async () => {
  client = await adminClient();
  ns = await uniqueNamespace("image-update");
});
afterAll(async () => {
  await deleteNamespace(ns);
});

describe("the image update commands on the control plane", () => {
  test("create, get, suspend, resume and reconcile an ImageUpdateAutomation", async () => {
    const kubeconfig = (await testCluster()).kubeconfig;
    const rivulet = async (...args: string[]) => {
      const p = startRivulet([...args, "--kubeconfig", kubeconfig, "-n", ns]);
      const code = await p.exited;
      return { code, out: p.lines.map((l) => String(l.unparsed ?? JSON.stringify(l))).join("\n"), err: p.stderr.join("\n") };
    };
    const created = await rivulet("create", "image", "update", "auto", "--git-repo-ref", "apps", "--git-repo-path", "./clusters/dev", "--checkout-branch", "main",
      "--push-branch", "image-updates", "--author-name", "flux", "--author-email", "flux@example.com", "--commit-template", "{{ .AutomationObject }}: {{ len .Changed.Changes }} changes");
    expect(created.err).toContain("✔ ImageUpdateAutomation created");
    expect(created.code).toBe(0);
    const stored = await client.get({ apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageUpdateAutomation", namespace: ns, name: "auto" });
    expect(stored?.spec).toEqual({
      git: {
        checkout: { ref: { branch: "main" } },
        commit: { author: { email: "flux@example.com", name: "flux" }, messageTemplate: "{{ .AutomationObject }}: {{ len .Changed.Changes }} changes" },
        push: { branch: "image-updates" },
      },
      interval: "1m0s",
      sourceRef: { kind: "GitRepository", name: "apps" },
      update: { path: "./clusters/dev", strategy: "Setters" },
    });

    const listed = await rivulet("get", "images", "update");
    expect(listed.out.split("\n")[0]).toMatch(/^NAME\s+LAST RUN\s+SUSPENDED\s+READY\s+MESSAGE$/);
    expect(listed.out).toMatch(/^auto\s+False\s+False\s+waiting to be reconciled$/m);

    expect((await rivulet("suspend", "image", "update", "auto")).code).toBe(0);
    expect((await rivulet("get", "images", "update", "auto")).out).toMatch(/^auto\s+True\s+False\s+waiting to be reconciled$/m);
    const resumed = await rivulet("resume", "image", "update", "auto", "--timeout", "2s");
    expect(resumed.err).toContain("✔ ImageUpdateAutomation resumed");
    expect(resumed.err).toContain(`ImageUpdateAutomation/${ns}/auto not yet reconciled: nothing has handled it within 2s`);
    expect(resumed.code).not.toBe(0);

    const waited = await rivulet("reconcile", "image", "update", "auto", "--timeout", "2s");
    expect(waited.err).toContain(`ImageUpdateAutomation/${ns}/auto not yet reconciled: nothing has handled it within 2s (is the agent running in namespace ${ns}, and does it reconcile ImageUpdateAutomation objects?)`);
    expect(waited.code).not.toBe(0);
  }, 120_000);
});
