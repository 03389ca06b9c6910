/**
 * An ImageRepository's `spec.image` read as image-reflector-controller reads it (ParseImageReference over
 * go-containerregistry's name package): no URL scheme and no tag; the registry is the first path component
 * when it has a `.` or `:` or is `localhost`, else Docker Hub, where a one-component name gains `library/`.
 * The canonical name is what Flux writes to `status.canonicalImageName` (`index.docker.io/library/alpine`).
 * Docker Hub's API answers at `registry-1.docker.io`; credentials are looked up under `index.docker.io`.
 */

export interface ImageName {
  /** The registry as Flux names it: `index.docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  registry: string;
  /** Where the distribution API answers. */
  apiHost: string;
  repository: string;
  canonical: string;
}

const DOCKER_HUB = "index.docker.io";
const REPOSITORY_CHARS = /^[a-z0-9_\-./]{2,255}$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The image's registry and repository; throws with Flux's message when Flux would refuse it. */
export function parseImageName(image: string): ImageName {
  const scheme = image.split("://");
  if (scheme.length > 1) throw new Error(`image '${image}' should not include URL scheme; remove '${scheme[0]}://'`);
  const ref = parseReference(image);
  if (!ref) throw new Error(`could not parse reference: ${image}`);
  const rest = image.startsWith(ref.registry) ? image.slice(ref.registry.length) : image;
  const tag = rest.split(":");
  if (tag.length > 1) throw new Error(`image '${image}' should not include a tag; remove ':${tag[1]}'`);
  return {
    registry: ref.registry,
    apiHost: ref.registry === DOCKER_HUB ? "registry-1.docker.io" : ref.registry,
    repository: ref.repository,
    canonical: `${ref.registry}/${ref.repository}`,
  };
}

/**
 * Whether go-containerregistry's ParseReference (weak validation) reads `s`: `name[:tag]`, or
 * `name[:tag]@sha256:<64 hex>`, as an ImagePolicy's latest image prints (`ImageRef.String()`).
 */
export function isImageReference(s: string): boolean {
  if (parseReference(s)) return true;
  const at = s.indexOf("@");
  if (at < 0 || s.indexOf("@", at + 1) >= 0 || !DIGEST.test(s.slice(at + 1))) return false;
  return parseReference(s.slice(0, at)) !== undefined;
}

/** go-containerregistry's ParseReference: a name with an optional tag, else with a digest. */
function parseReference(s: string): { registry: string; repository: string } | undefined {
  const colon = s.lastIndexOf(":");
  if (colon >= 0 && !s.slice(colon + 1).includes("/")) {
    const named = TAG.test(s.slice(colon + 1)) ? parseRepository(s.slice(0, colon)) : undefined;
    if (named) return named;
  }
  const at = s.indexOf("@");
  if (at >= 0) return DIGEST.test(s.slice(at + 1)) ? parseRepository(s.slice(0, at)) : undefined;
  return parseRepository(s);
}

function parseRepository(name: string): { registry: string; repository: string } | undefined {
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  let registry = DOCKER_HUB;
  let repository = name;
  if (first.includes(".") || first.includes(":") || first === "localhost") {
    registry = first === "docker.io" ? DOCKER_HUB : first;
    repository = name.slice(slash + 1);
  }
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  if (!REPOSITORY_CHARS.test(repository) || repository.split("/").some((c) => c === "")) return undefined;
  return { registry, repository };
}
