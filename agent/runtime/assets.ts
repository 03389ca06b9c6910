/**
 * Where the files rivulet reads at run time besides its code are: deploy/tenant/ (`rivulet install`) and
 * the Helm template engine's build (wasm/helm-template/build/). From a checkout they sit beside the
 * sources. In an executable made by `bun build --compile`, modules live in Bun's embedded file system
 * (/$bunfs/), so the files are looked up in ../share/rivulet/ next to the executable instead, where
 * scripts/build-image.sh puts them (/usr/local/bin/rivulet, /usr/local/share/rivulet/).
 */
import process from "node:process";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** The folder holding deploy/ and wasm/, as a file URL ending in a slash. */
export function assetRoot(moduleUrl: string = import.meta.url, execPath: string = process.execPath): URL {
  if (moduleUrl.includes("/$bunfs/")) return pathToFileURL(join(dirname(execPath), "..", "share", "rivulet") + "/");
  return new URL("../../", moduleUrl);
}
