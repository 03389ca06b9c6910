import { describe, expect, test } from "bun:test";
import { dispatch } from "./dispatch.ts";
import { imageCommands, imagePolicyObject, imageRepositoryObject, imageUpdateObject } from "./image.ts";
import { validate } from "../api/validate.ts";
import { kindFromWords } from "./cluster-flags.ts";
import { parseDocuments } from "../yaml/parse.ts";

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await dispatch(argv, [...imageCommands.get, ...imageCommands.create], { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd: "/", signal: new AbortController().signal });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("rivulet create image repository|policy --export", () => {
  // The objects Flux's image update guide shows for `flux create image repository podinfo
  // --image=ghcr.io/stefanprodan/podinfo --interval=5m --export` and `flux create image policy podinfo
  // --image-ref=podinfo --select-semver=5.0.x --export`.
  test("prints the ImageRepository flux create image repository makes, the interval in Go's form", async () => {
    const r = await cli("create", "image", "repository", "podinfo", "--image=ghcr.io/stefanprodan/podinfo", "--interval=5m", "-n", "flux-system", "--export");
    expect(r.code).toBe(0);
    expect(parseDocuments(r.out, "export")).toEqual([
      { apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageRepository", metadata: { name: "podinfo", namespace: "flux-system" }, spec: { image: "ghcr.io/stefanprodan/podinfo", interval: "5m0s" } },
    ]);
  });

  test("prints the ImagePolicy flux create image policy makes", async () => {
    const r = await cli("create", "image", "policy", "podinfo", "--image-ref=podinfo", "--select-semver=5.0.x", "-n", "flux-system", "--export");
    expect(r.code).toBe(0);
    expect(parseDocuments(r.out, "export")).toEqual([
      { apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImagePolicy", metadata: { name: "podinfo", namespace: "flux-system" }, spec: { imageRepositoryRef: { name: "podinfo" }, policy: { semver: { range: "5.0.x" } } } },
    ]);
  });

  test("repository flags: secrets, scan timeout and exclusion list (repeatable or comma-separated)", async () => {
    const r = await cli("create", "image", "repository", "app", "--image", "local-registry:5000/app", "--interval", "90s", "--secret-ref", "pull", "--cert-ref", "tls", "--scan-timeout", "30s", "--insecure", "--exclusion-list", "^.*\\.sig$,^dev-", "--exclusion-list", "^tmp$", "--export");
    expect(r.code).toBe(0);
    expect(parseDocuments(r.out, "export")).toEqual([
      {
        apiVersion: "image.toolkit.fluxcd.io/v1",
        kind: "ImageRepository",
        metadata: { name: "app", namespace: "default" },
        spec: { image: "local-registry:5000/app", interval: "1m30s", timeout: "30s", secretRef: { name: "pull" }, certSecretRef: { name: "tls" }, exclusionList: ["^.*\\.sig$", "^dev-", "^tmp$"], insecure: true },
      },
    ]);
  });

  test("policy flags: numerical order with a tag filter and its extract (the guide's timestamp tags)", async () => {
    const r = await cli("create", "image", "policy", "podinfo", "--image-ref=podinfo", "--select-numeric=asc", "--filter-regex=^main-[a-fA-F0-9]+-(?P<ts>.*)", "--filter-extract=$ts", "--export");
    expect(r.code).toBe(0);
    expect((parseDocuments(r.out, "export")[0] as { spec: unknown }).spec).toEqual({
      imageRepositoryRef: { name: "podinfo" },
      policy: { numerical: { order: "asc" } },
      filterTags: { pattern: "^main-[a-fA-F0-9]+-(?P<ts>.*)", extract: "$ts" },
    });
    const alpha = await cli("create", "image", "policy", "p", "--image-ref", "r", "--select-alpha", "desc", "--export");
    expect((parseDocuments(alpha.out, "export")[0] as { spec: { policy: unknown } }).spec.policy).toEqual({ alphabetical: { order: "desc" } });
  });

  test("bad flags are usage errors (exit 2) naming the command's help", async () => {
    const r = await cli("create", "image", "policy", "p", "--image-ref", "r", "--export");
    expect(r.code).toBe(2);
    expect(r.err).toBe("Error: a policy must be provided with either --select-semver or --select-alpha\nRun 'rivulet create image policy --help' for usage");
    expect(r.out).toBe("");
  });

  test.each([
    [{}, "an image repository (--image) is required"],
    [{ image: "https://ghcr.io/org/app" }, "unable to parse image value: image 'https://ghcr.io/org/app' should not include URL scheme; remove 'https://'"],
    [{ image: "ghcr.io/org/app:1.0" }, "unable to parse image value: image 'ghcr.io/org/app:1.0' should not include a tag; remove ':1.0'"],
    [{ image: "app", interval: "5 minutes" }, 'invalid argument "5 minutes" for "--interval" flag: Cannot parse duration "5 minutes": expected a sequence like 1m30s (units ms, s, m, h)'],
    [{ image: "app", "exclusion-list": ["(unclosed"] }, "--exclusion-list: invalid regular expression '(unclosed': "],
  ] as Array<[Parameters<typeof imageRepositoryObject>[2], string]>)("create image repository with %o is refused: %s", (values, message) => {
    expect(() => imageRepositoryObject("x", "apps", values)).toThrow(message);
  });

  test.each([
    [{}, "the name of an ImageRepository in the namespace is required (--image-ref)"],
    [{ "image-ref": "r" }, "a policy must be provided with either --select-semver or --select-alpha"],
    [{ "image-ref": "r", "select-semver": "1.x", "select-alpha": "asc" }, "only one of --select-semver, --select-alpha or --select-numeric can be specified"],
    [{ "image-ref": "r", "select-semver": "not a range" }, "--select-semver is not a valid semver range: "],
    [{ "image-ref": "r", "select-alpha": "ASC" }, '--select-alpha must be one of ["asc", "desc"]'],
    [{ "image-ref": "r", "select-numeric": "up" }, '--select-numeric must be one of ["asc", "desc"]'],
    [{ "image-ref": "r", "select-alpha": "asc", "filter-regex": "(" }, "--filter-regex is an invalid regex pattern"],
    [{ "image-ref": "r", "select-alpha": "asc", "filter-extract": "$1" }, "cannot specify --filter-extract without specifying --filter-regex"],
    [{ "image-ref": "r", "select-alpha": "asc", "filter-regex": "^(?P<ts>[0-9]+)$", "filter-extract": "$stamp" }, "capture group $stamp used in --filter-extract not found in --filter-regex"],
    [{ "image-ref": "r", "select-alpha": "asc", "filter-regex": "^(?P<ts>[0-9]+)$", "filter-extract": "v${ts" }, "--filter-extract is malformed"],
    [{ "image-ref": "r", "select-alpha": "asc", "filter-regex": "^(?P<ts>[0-9]+)$", "filter-extract": "$ " }, "--filter-extract is malformed"],
  ] as Array<[Parameters<typeof imagePolicyObject>[2], string]>)("create image policy with %o is refused: %s", (values, message) => {
    expect(() => imagePolicyObject("x", "apps", values)).toThrow(message);
  });

  test("--filter-extract accepts numbered groups, ${name}, and $$ as a literal dollar", () => {
    const spec = imagePolicyObject("x", "apps", { "image-ref": "r", "select-numeric": "asc", "filter-regex": "^(?P<ts>[0-9]+)-(.*)$", "filter-extract": "$$${ts}$2$1" }).spec as { filterTags: unknown };
    expect(spec.filterTags).toEqual({ pattern: "^(?P<ts>[0-9]+)-(.*)$", extract: "$$${ts}$2$1" });
  });
});

describe("image kinds in the shared commands", () => {
  test("reconcile, suspend and resume name them as flux does: image repository|policy|update NAME", () => {
    expect(kindFromWords(["image", "repository", "web"])).toEqual({ info: { apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageRepository" }, rest: ["web"] });
    expect(kindFromWords(["image", "policy", "web"])).toEqual({ info: { apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImagePolicy" }, rest: ["web"] });
    expect(kindFromWords(["image", "update", "web"])).toEqual({ info: { apiVersion: "image.toolkit.fluxcd.io/v1", kind: "ImageUpdateAutomation" }, rest: ["web"] });
    expect(() => kindFromWords(["image", "automation", "web"])).toThrow('unknown image kind "automation": use repository, policy or update');
  });

  test("--help of each command names its flags", async () => {
    expect((await cli("get", "images", "repository", "--help")).out).toContain("Prints NAME, LAST SCAN, SUSPENDED, READY, MESSAGE for each ImageRepository");
    expect((await cli("get", "images", "policy", "--help")).out).toContain("Prints NAME, LATEST IMAGE, READY, MESSAGE for each ImagePolicy");
    const repo = (await cli("create", "image", "repository", "--help")).out;
    for (const flag of ["--image REF", "--interval", "--secret-ref", "--cert-secret-ref", "--exclusion-list", "--export"]) expect(repo).toContain(flag);
    expect((await cli("get", "images", "update", "--help")).out).toContain("Prints NAME, LAST RUN, SUSPENDED, READY, MESSAGE for each ImageUpdateAutomation");
    const update = (await cli("create", "image", "update", "--help")).out;
    for (const flag of ["--git-repo-ref", "--git-repo-path", "--checkout-branch", "--push-branch", "--author-name", "--author-email", "--commit-template", "--export"]) expect(update).toContain(flag);
    const policy = (await cli("create", "image", "policy", "--help")).out;
    for (const flag of ["--image-ref", "--select-semver", "--select-alpha", "--select-numeric", "--filter-regex", "--filter-extract", "--export"]) expect(policy).toContain(flag);
  });
});

describe("rivulet create image update --export", () => {
  // flux create image update's second example (docs: flux_create_image_update), with the current
  // template data (.Changed) instead of the removed .Updated.
  test("prints the ImageUpdateAutomation flux create image update makes, and it validates", async () => {
    const template = "{{range .Changed.Changes}}{{println .NewValue}}{{end}}";
    const r = await cli("create", "image", "update", "flux-system", "--git-repo-ref=flux-system", "--git-repo-path=./clusters/my-cluster", "--checkout-branch=main",
      "--push-branch=image-updates", "--author-name=flux", "--author-email=flux@example.com", `--commit-template=${template}`, "-n", "flux-system", "--export");
    expect(r.code).toBe(0);
    const objects = parseDocuments(r.out, "export");
    expect(objects).toEqual([
      {
        apiVersion: "image.toolkit.fluxcd.io/v1",
        kind: "ImageUpdateAutomation",
        metadata: { name: "flux-system", namespace: "flux-system" },
        spec: {
          git: {
            checkout: { ref: { branch: "main" } },
            commit: { author: { email: "flux@example.com", name: "flux" }, messageTemplate: template },
            push: { branch: "image-updates" },
          },
          interval: "1m0s",
          sourceRef: { kind: "GitRepository", name: "flux-system" },
          update: { path: "./clusters/my-cluster", strategy: "Setters" },
        },
      },
    ]);
    expect(validate(objects[0], { strict: true })).toEqual([]);
  });

  test("the GitRepository's namespace, and no push or update path unless asked", () => {
    const obj = imageUpdateObject("apps", "apps", { "git-repo-ref": "flux-system", "git-repo-namespace": "flux-system", "checkout-branch": "main", "author-name": "flux", "author-email": "f@x", interval: "5m" });
    expect(obj.spec).toEqual({
      git: { checkout: { ref: { branch: "main" } }, commit: { author: { email: "f@x", name: "flux" } } },
      interval: "5m0s",
      sourceRef: { kind: "GitRepository", name: "flux-system", namespace: "flux-system" },
    });
  });

  test.each([
    [{}, "a reference to a GitRepository is required (--git-repo-ref)"],
    [{ "git-repo-ref": "r" }, "the Git repository branch is required (--checkout-branch)"],
    [{ "git-repo-ref": "r", "checkout-branch": "main" }, "the author name is required (--author-name)"],
    [{ "git-repo-ref": "r", "checkout-branch": "main", "author-name": "n" }, "the author email is required (--author-email)"],
    [{ "git-repo-ref": "r", "checkout-branch": "main", "author-name": "n", "author-email": "e", interval: "soon" }, 'invalid argument "soon" for "--interval" flag: '],
  ] as Array<[Parameters<typeof imageUpdateObject>[2], string]>)("create image update with %o is refused: %s", (values, message) => {
    expect(() => imageUpdateObject("x", "apps", values)).toThrow(message);
  });

  test("a refused create writes nothing and names the help", async () => {
    const r = await cli("create", "image", "update", "x", "--git-repo-ref", "r", "--export");
    expect(r.code).toBe(2);
    expect(r.err).toBe("Error: the Git repository branch is required (--checkout-branch)\nRun 'rivulet create image update --help' for usage");
    expect(r.out).toBe("");
  });
});
