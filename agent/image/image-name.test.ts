import { describe, expect, test } from "bun:test";
import { parseImageName } from "./image-name.ts";

describe("parseImageName reads spec.image as Flux", () => {
  test.each([
    ["alpine", "index.docker.io", "registry-1.docker.io", "library/alpine", "index.docker.io/library/alpine"],
    ["stefanprodan/podinfo", "index.docker.io", "registry-1.docker.io", "stefanprodan/podinfo", "index.docker.io/stefanprodan/podinfo"],
    ["docker.io/library/alpine", "index.docker.io", "registry-1.docker.io", "library/alpine", "index.docker.io/library/alpine"],
    ["ghcr.io/org/team/app", "ghcr.io", "ghcr.io", "org/team/app", "ghcr.io/org/team/app"],
    ["127.0.0.1:5000/app", "127.0.0.1:5000", "127.0.0.1:5000", "app", "127.0.0.1:5000/app"],
    ["localhost/my_app", "localhost", "localhost", "my_app", "localhost/my_app"],
  ])("%s is %s (API at %s), repository %s", (image, registry, apiHost, repository, canonical) => {
    expect(parseImageName(image)).toEqual({ registry, apiHost, repository, canonical });
  });

  test.each([
    ["https://ghcr.io/org/app", "image 'https://ghcr.io/org/app' should not include URL scheme; remove 'https://'"],
    ["ghcr.io/org/app:1.0", "image 'ghcr.io/org/app:1.0' should not include a tag; remove ':1.0'"],
    ["alpine:3", "image 'alpine:3' should not include a tag; remove ':3'"],
    ["ghcr.io/Org/App", "could not parse reference: ghcr.io/Org/App"],
    ["ghcr.io//app", "could not parse reference: ghcr.io//app"],
    ["", "could not parse reference: "],
  ])("refuses %p: %s", (image, message) => {
    expect(() => parseImageName(image)).toThrow(new Error(message));
  });
});
