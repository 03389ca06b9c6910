/**
 * The Helm template engine's port on Bun, Deno and Node: the module and Go's glue (wasm_exec.js, copied
 * from Debian's Go by `npm run build:wasm`) are read from wasm/helm-template/build/ (under assetRoot()). Evaluating the glue
 * defines globalThis.Go (and a console-backed globalThis.fs when the runtime has none), which is why
 * this happens only here and only on the first render.
 */
import { readFile } from "node:fs/promises";
import type { GoRuntime, TemplateEnginePort } from "../helm/template-engine.ts";
import { findGc } from "./memory-trim.ts";
import { assetRoot } from "./assets.ts";

const BUILD = new URL("wasm/helm-template/build/", assetRoot());

/** The build output's files, for the benchmark and the oracle tests. */
export const helmTemplateBuild = {
  wasm: new URL("helm-template.wasm", BUILD),
  glue: new URL("wasm_exec.js", BUILD),
  native: new URL("helm-template-native", BUILD),
};

export const helmWasmPort: TemplateEnginePort = {
  async moduleBytes() {
    try {
      return new Uint8Array(await readFile(helmTemplateBuild.wasm));
    } catch (err) {
      throw new Error(`Cannot load the Helm template engine: ${helmTemplateBuild.wasm.pathname} is missing (run npm run build:wasm)`, { cause: err });
    }
  },
  collectGarbage() {
    findGc()?.();
  },
  async goRuntime() {
    const g = globalThis as { Go?: new () => GoRuntime };
    if (!g.Go) await import(helmTemplateBuild.glue.href);
    if (!g.Go) throw new Error("Cannot load the Helm template engine: wasm_exec.js did not define Go");
    return g.Go;
  },
};
