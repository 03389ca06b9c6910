/**
 * The status page in a real browser: `rivulet run --status-page` as a tenant agent on the control plane,
 * a real git server, and Debian's chromium driven by playwright-core. It checks what a person sees after
 * a reconcile (Ready, the revision, the inventory) and after a failure (Ready False with the message,
 * markup in it shown as text), that the change arrives without a reload, and that a phone-sized screen
 * gets one card per object. Browser-side code is passed as strings: the tests are type-checked without
 * the DOM library. RIVULET_UPDATE_SCREENSHOT=1 rewrites docs/status-page.png for the README.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { adminClient, deleteNamespace, eventually, installTenant, repoRoot, serviceAccountKubeconfig, uniqueNamespace } from "../support/cluster.ts";
import { startGitServer, type GitServer } from "../support/git-server.ts";
import { startRivulet, type AgentProcess } from "../support/agent-process.ts";
import type { KubeClient } from "../../agent/kube/client.ts";

/** The browser's getComputedStyle, typed here because the tests are checked without the DOM library. */
type Styled = { getComputedStyle(e: unknown, pseudo?: string): { display: string; content: string } };

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const BROKEN_PATH = "./missing/<script>document.title='pwned'</script>";

let admin: KubeClient;
let ns: string;
let git: GitServer;
let commit: string;
let agent: AgentProcess;
let storage: string;
let base: string;
let browser: Browser;

const ks = (path: string) => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name: "podinfo", namespace: ns },
  spec: { interval: "10m", path, prune: true, sourceRef: { kind: "GitRepository", name: "podinfo" } },
});

beforeAll(async () => {
  admin = await adminClient();
  ns = await uniqueNamespace("status-page");
  await installTenant(ns);
  const kubeconfig = await serviceAccountKubeconfig(ns, "rivulet");
  git = await startGitServer();
  commit = await git.createRepo("podinfo", {
    "deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\ndata:\n  a: b\n",
    "deploy/sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: podinfo\n",
  });
  storage = mkdtempSync(join(tmpdir(), "rivulet-status-page-"));
  agent = startRivulet(["run", "--kubeconfig", kubeconfig, "--health-addr", "127.0.0.1:0", "--storage-addr", "127.0.0.1:0", "--storage-path", storage, "--no-leader-elect", "--status-page"]);
  const serving = await agent.waitForLog((l) => l.msg === "serving probes and metrics");
  expect(serving.paths).toContain("/status/");
  base = `http://${serving.addr}`;
  await agent.waitForLog((l) => l.msg === "watching objects" && l.kind === "Kustomization");
  browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  agent?.child.kill("SIGTERM");
  await agent?.exited;
  await git?.stop();
  await deleteNamespace(ns);
  rmSync(storage, { recursive: true, force: true });
});

const row = (page: Page, kind: string, name: string) => page.locator(`tr[data-kind="${kind}"][data-name="${name}"]`);

/**
 * A computed style of what the locator finds. The failing Kustomization's retries update the page live,
 * which replaces its row; a row replaced between finding and reading reports "" (detached), so the read
 * is tried again on the new row, at most 20 times.
 */
async function computedStyle(l: Locator, property: "display" | "content", pseudo?: string): Promise<string> {
  let value = "";
  for (let i = 0; i < 20 && !value; i++) {
    value = await l.evaluate((el, [p, ps]) => String((globalThis as unknown as Styled).getComputedStyle(el, ps)[p as "display"] ?? ""), [property, pseudo] as const);
    if (!value) await new Promise((r) => setTimeout(r, 100));
  }
  return value;
}

async function waitForRow(page: Page, kind: string, name: string, ready: "True" | "False", timeoutMs = 60_000): Promise<void> {
  await row(page, kind, name).and(page.locator(`[data-ready="${ready}"]`)).waitFor({ timeout: timeoutMs });
}

describe("the status page in chromium", () => {
  let page: Page;

  test("after a reconcile it shows each object Ready with its revision, and the inventory as a tree", async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/status/`);
    await page.locator("#connection[data-state=live]").waitFor({ timeout: 15_000 });
    expect(await page.locator("#namespace").textContent()).toBe(ns);
    // The objects appear without a reload once they exist: the page was open before they were created.
    await page.evaluate("window.marker = 1");
    await admin.apply({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "podinfo", namespace: ns }, spec: { interval: "10m", url: git.url("podinfo"), ref: { branch: "master" } } }, { fieldManager: "rivulet-tests" });
    await admin.apply(ks("./deploy"), { fieldManager: "rivulet-tests" });
    await waitForRow(page, "GitRepository", "podinfo", "True");
    await waitForRow(page, "Kustomization", "podinfo", "True");

    const src = row(page, "GitRepository", "podinfo");
    expect(await src.locator("td[data-label=Ready]").innerText()).toBe("✓ Ready");
    expect(await src.locator("td[data-label=Revision]").getAttribute("title")).toBe(`master@sha1:${commit}`);
    expect(await src.locator("td[data-label=Revision]").innerText()).toBe(`master@sha1:${commit.slice(0, 12)}…`);
    expect(await src.locator("th").innerText()).toContain(git.url("podinfo"));
    const k = row(page, "Kustomization", "podinfo");
    expect(await k.locator("td[data-label=Message]").innerText()).toBe(`ReconciliationSucceeded: Applied revision: master@sha1:${commit}`);
    expect(await k.locator("td[data-label='Last reconcile'] time").innerText()).toMatch(/^\d+ s ago$/);
    expect(await page.locator("#summary").innerText()).toBe("2 objects: 2 ready, 0 failed, 0 unknown.");

    const tree = page.locator('details[data-name="podinfo"]');
    expect(await tree.locator("summary").innerText()).toBe("Kustomization/podinfo (2 objects)");
    await tree.locator("summary").click();
    expect((await tree.locator("li .ref").allInnerTexts()).sort()).toEqual([`ConfigMap/${ns}/podinfo`, `ServiceAccount/${ns}/podinfo`]);
    await eventually("the NewArtifact event on the page", async () => (await page.locator("#events tr[data-type=Normal]").allInnerTexts()).some((t) => t.includes("GitRepository/podinfo") && t.includes("NewArtifact")));

    // Landmarks, headers and the live region a screen reader relies on.
    expect(await page.getByRole("main").count()).toBe(1);
    expect(await page.getByRole("banner").count()).toBe(1);
    expect(await page.getByRole("heading", { level: 2 }).allInnerTexts()).toEqual(["Sources", "Kustomizations and Helm releases", "Image automation", "Inventories", "Last events"]);
    expect(await page.locator("#sources").getByRole("columnheader").allInnerTexts()).toEqual(["NAME", "READY", "REVISION", "LAST RECONCILE", "MESSAGE"]);
    expect(await page.locator("#summary").getAttribute("aria-live")).toBe("polite");
    expect(await page.evaluate("window.marker")).toBe(1);

    if (process.env.RIVULET_UPDATE_SCREENSHOT === "1") await page.screenshot({ path: join(repoRoot, "docs", "status-page.png"), fullPage: true });
  }, 120_000);

  test("after a failure it shows Ready False with the message, markup as text, without a reload", async () => {
    await admin.apply(ks(BROKEN_PATH), { fieldManager: "rivulet-tests" });
    await waitForRow(page, "Kustomization", "podinfo", "False");
    const k = row(page, "Kustomization", "podinfo");
    expect(await k.locator("td[data-label=Ready]").innerText()).toBe("✗ Failed");
    expect(await k.locator("td[data-label=Message]").innerText()).toContain(`kustomization path not found: ${BROKEN_PATH}`);
    // The message's <script> is text: no element was made from it and it did not run.
    expect(await page.locator("main script").count()).toBe(0);
    expect(await page.title()).toBe(`rivulet status: ${ns}`);
    expect(await page.locator("#summary").innerText()).toBe("2 objects: 1 ready, 1 failed, 0 unknown.");
    expect(await page.locator("#announce").innerText()).toBe("Kustomization/podinfo is now Failed");
    await eventually("the warning event on the page", async () => (await page.locator("#events tr[data-type=Warning]").allInnerTexts()).some((t) => t.includes(BROKEN_PATH)));
    expect(await page.evaluate("window.marker")).toBe(1);
    // What the page read came from the agent's caches: the API reads the same rows.
    const api = (await (await fetch(`${base}/status/api/objects`)).json()) as { objects: Array<{ kind: string; ready: string }> };
    expect(api.objects.map((o) => `${o.kind}=${o.ready}`)).toEqual(["GitRepository=True", "Kustomization=False"]);
  }, 120_000);

  test("on a phone-sized screen each object is a card that fits the width", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await phone.goto(`${base}/status/`);
    await waitForRow(phone, "Kustomization", "podinfo", "False", 30_000);
    expect(await phone.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    const k = row(phone, "Kustomization", "podinfo");
    expect(await computedStyle(k, "display")).toBe("block");
    expect(await computedStyle(k.locator("td[data-label=Message]"), "content", "::before")).toBe('"Message"');
    expect(await k.locator("td[data-label=Ready]").isVisible()).toBe(true);
    await phone.close();
  }, 60_000);
});
