/**
 * ImageUpdateAutomation's commit message: `spec.git.commit.messageTemplate` rendered as
 * image-automation-controller renders it (Go's text/template with Sprig's hermetic functions) over
 * `.AutomationObject`, `.Changed` (the setters' change set) and `.Values` (`messageTemplateValues`).
 * Go templates need Go, so the rendering is a port: the agent passes the Helm engine's WASM module
 * (agent/helm/template-engine.ts `renderCommitMessage`), whose request this module builds. Without a
 * template the message is Flux's default, with no engine loaded.
 */
import type { FileChanges } from "./update-result.ts";

export const DEFAULT_COMMIT_MESSAGE = "Update from image update automation";

/** The data the engine renders with (the engine's CommitMessageRequest). */
export interface CommitMessageData {
  template: string;
  automationObject: { namespace: string; name: string };
  fileChanges: {
    file: string;
    objects: { apiVersion: string; kind: string; name: string; namespace: string; changes: { oldValue: string; newValue: string; setter: string }[] }[];
  }[];
  values: Record<string, string>;
}

/** The port: renders the data, or answers Flux's error text. */
export type RenderCommitMessage = (data: CommitMessageData) => Promise<{ message: string } | { error: string }>;

export interface CommitMessageInput {
  template?: string;
  automation: { namespace: string; name: string };
  fileChanges: FileChanges;
  values?: Record<string, string>;
}

/** The request for the engine, the change set as lists in file order. */
export function commitMessageData(input: CommitMessageInput): CommitMessageData {
  return {
    template: input.template ?? "",
    automationObject: { namespace: input.automation.namespace, name: input.automation.name },
    fileChanges: [...input.fileChanges].map(([file, objects]) => ({
      file,
      objects: objects.map(({ object, changes }) => ({ ...object, changes: changes.map((c) => ({ ...c })) })),
    })),
    values: { ...input.values },
  };
}

/** The commit message; throws with Flux's text when the template does not parse or run. */
export async function commitMessage(input: CommitMessageInput, render: RenderCommitMessage): Promise<string> {
  if (!input.template) return DEFAULT_COMMIT_MESSAGE;
  const out = await render(commitMessageData(input));
  if ("error" in out) throw new Error(out.error);
  return out.message;
}

