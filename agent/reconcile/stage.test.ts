import { describe, expect, test } from "bun:test";
import { NotReadyError, RivuletError, TerminalError, TransientError } from "../core/errors.ts";
import type { ObjectStatus } from "./reconciler.ts";
import { failureStatus, stages } from "./stage.ts";

const TABLE = {
  build: { reason: "BuildFailed" },
  apply: { reason: "ReconciliationFailed", describe: (err: unknown) => `Kustomization/ns/app: ${(err as Error).message}` },
  health: { reason: "HealthCheckFailed" },
};

function harness() {
  const progress: Array<{ message: string; status?: Partial<ObjectStatus>; persist: boolean }> = [];
  const ctx = {
    async progress(message: string, status?: Partial<ObjectStatus>, opts?: { persist?: boolean }) {
      progress.push({ message, status, persist: opts?.persist ?? false });
    },
  };
  return { run: stages(ctx, TABLE), progress };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("the stage did not fail");
}

describe("stage runner", () => {
  test("publishes the stage's progress before it runs, and returns what the stage returns", async () => {
    const { run, progress } = harness();
    const seen: number[] = [];
    const out = await run.stage("build", { progress: { message: "Building manifests for revision r1", status: { lastAttemptedRevision: "r1" } } }, async () => {
      seen.push(progress.length);
      return 42;
    });
    expect(out).toBe(42);
    expect(seen).toEqual([1]);
    expect(progress).toEqual([{ message: "Building manifests for revision r1", status: { lastAttemptedRevision: "r1" }, persist: false }]);
  });

  test("a progress given as text is published as is; a stage without one publishes nothing", async () => {
    const { run, progress } = harness();
    await run.stage("apply", { progress: "Applying 3 objects for revision r1" }, async () => {});
    await run.stage("health", async () => {});
    expect(progress.map((p) => p.message)).toEqual(["Applying 3 objects for revision r1"]);
  });

  test("an unclassified error becomes a TransientError with the stage's reason, its message and the original as cause", async () => {
    const { run } = harness();
    const cause = new Error("ConfigMap/ns/vars query failed: forbidden");
    const err = await failure(run.stage("build", async () => Promise.reject(cause)));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).reason).toBe("BuildFailed");
    expect((err as Error).message).toBe("ConfigMap/ns/vars query failed: forbidden");
    expect((err as Error).cause).toBe(cause);
  });

  test("a stage may reword an unclassified error", async () => {
    const { run } = harness();
    const err = await failure(run.stage("apply", async () => Promise.reject(new Error("Deployment/ns/web apply failed: boom"))));
    expect((err as Error).message).toBe("Kustomization/ns/app: Deployment/ns/web apply failed: boom");
    expect((err as RivuletError).reason).toBe("ReconciliationFailed");
  });

  const classified: Array<[string, RivuletError]> = [
    ["terminal", new TerminalError("AccessDenied", "refused before applying anything")],
    ["transient", new TransientError("BuildFailed", "build of revision r1 failed")],
    ["not-ready", new NotReadyError("ArtifactFailed", "Source 'GitRepository/ns/app' not found", { retryAfterMs: 30_000 })],
  ];
  for (const [kind, thrown] of classified) {
    test(`a ${kind} error goes up unchanged: same object, class, reason and message, not wrapped again`, async () => {
      const { run } = harness();
      const err = await failure(run.stage("health", async () => Promise.reject(thrown)));
      expect(err).toBe(thrown);
      expect((err as RivuletError).kind).toBe(kind as RivuletError["kind"]);
      expect((err as RivuletError).reason).toBe(thrown.reason);
    });
  }

  test("nested stages wrap once: the inner stage's reason wins", async () => {
    const { run } = harness();
    const cause = new Error("dry-run failed");
    const err = await failure(run.stage("health", () => run.stage("apply", async () => Promise.reject(cause))));
    expect((err as RivuletError).reason).toBe("ReconciliationFailed");
    expect((err as Error).cause).toBe(cause);
  });

  test("a failure publishes the stage's onError progress before the error goes up", async () => {
    const { run, progress } = harness();
    const reasons: string[] = [];
    await failure(
      run.stage("apply", { onError: (e) => (reasons.push(e.reason), { message: "Prune failed", status: { inventory: { entries: [] } }, persist: true }) }, async () => {
        throw new Error("delete failed");
      }),
    );
    expect(reasons).toEqual(["ReconciliationFailed"]);
    expect(progress).toEqual([{ message: "Prune failed", status: { inventory: { entries: [] } }, persist: true }]);
  });

  test("failures are recorded only once recordFailures is set, with the classified error", async () => {
    const { run } = harness();
    const early = await failure(run.stage("build", async () => Promise.reject(new Error("no digest yet"))));
    expect(failureStatus(early)).toBeUndefined();
    run.recordFailures((e) => ({ history: [{ lastReconciledStatus: e.reason }] }));
    const late = await failure(run.stage("health", async () => Promise.reject(new Error("timeout"))));
    expect(failureStatus(late)).toEqual({ history: [{ lastReconciledStatus: "HealthCheckFailed" }] });
    const kept = new TerminalError("InvalidDriftSettings", "bad annotation");
    await failure(run.stage("apply", async () => Promise.reject(kept)));
    expect(failureStatus(kept)).toEqual({ history: [{ lastReconciledStatus: "InvalidDriftSettings" }] });
  });

  test("a failure seen by nested stages is recorded once", async () => {
    const { run } = harness();
    let calls = 0;
    run.recordFailures(() => ({ history: [++calls] }));
    const err = await failure(run.stage("health", () => run.stage("apply", async () => Promise.reject(new Error("x")))));
    expect(calls).toBe(1);
    expect(failureStatus(err)).toEqual({ history: [1] });
  });

  test("an error from publishing progress (our own status write) goes up as it is, unrecorded", async () => {
    const conflict = new Error("the object has been modified");
    const run = stages({ progress: async () => Promise.reject(conflict) }, TABLE);
    run.recordFailures(() => ({ history: [] }));
    let ran = false;
    const err = await failure(run.stage("build", { progress: "Building" }, async () => void (ran = true)));
    expect(err).toBe(conflict);
    expect(ran).toBe(false);
  });
});
