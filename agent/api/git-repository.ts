/**
 * GitRepository (source.toolkit.fluxcd.io/v1): a Git repository to fetch at a branch, tag, semver range,
 * ref name or commit, turned into a tar.gz artifact. Schema follows Flux's CRD of the same version.
 */
import { s, type Infer } from "./schema.ts";
import { artifact, duration, localObjectReference, sourceIgnoreField, sourceStatus, suspendField, timeout } from "./common.ts";
import { AGE_COLUMN, READY_COLUMNS, SOURCE_V1, defineKind } from "./kind.ts";

const gitRepositoryInclude = s.object(
  {
    fromPath: s.optional(s.string({ description: "Path to copy from; defaults to the artifact root." })),
    repository: localObjectReference("The GitRepository whose artifact contents are included."),
    toPath: s.optional(s.string({ description: "Path to copy to; defaults to the GitRepository's name." })),
  },
  { description: "Contents of another GitRepository's artifact to place into this one." },
);

export const gitRepositorySpec = s.object(
  {
    ignore: sourceIgnoreField,
    include: s.optional(s.array(gitRepositoryInclude, { description: "GitRepositories whose artifacts are included." })),
    interval: duration("How often the repository is checked for updates."),
    provider: s.optional(
      s.enum(["generic", "aws", "azure", "github"], { description: "Authentication provider; 'generic' when unset." }),
    ),
    proxySecretRef: s.optional(localObjectReference("Secret with the proxy address and credentials (keys address, username, password).")),
    recurseSubmodules: s.optional(s.boolean({ description: "Clone submodules too." })),
    ref: s.optional(
      s.object(
        {
          branch: s.optional(s.string({ description: "Branch to check out; 'master' when no other field is set." })),
          commit: s.optional(s.string({ description: "Commit SHA; wins over all other fields, may be combined with branch." })),
          name: s.optional(s.string({ description: "Full reference, e.g. refs/pull/420/head; wins over branch, tag and semver." })),
          semver: s.optional(s.string({ description: "SemVer range over tags; wins over tag." })),
          tag: s.optional(s.string({ description: "Tag to check out; wins over branch." })),
        },
        { description: "The Git reference to check out and watch." },
      ),
    ),
    secretRef: s.optional(
      localObjectReference("Secret with credentials: username/password or bearerToken for HTTPS, identity/known_hosts for SSH."),
    ),
    serviceAccountName: s.optional(s.string({ description: "ServiceAccount for workload identity; only with the azure or aws provider." })),
    sparseCheckout: s.optional(s.array(s.string(), { description: "Directories to check out; only these end up in the artifact." })),
    suspend: suspendField,
    timeout: s.optional(timeout("Timeout for Git operations.", "60s")),
    url: s.string({ description: "HTTP(S) or SSH address of the repository.", pattern: "^(http|https|ssh)://.*$" }),
    verify: s.optional(
      s.object(
        {
          mode: s.optional(
            s.enum(["head", "HEAD", "Tag", "TagAndHEAD"], {
              description: "What to verify: the HEAD commit ('head' is a legacy spelling), the tag, or both.",
              default: "HEAD",
            }),
          ),
          secretRef: localObjectReference("Secret with trusted public keys (*.asc for PGP, *.sshpub for SSH)."),
        },
        { description: "Verification of commit or tag signatures." },
      ),
    ),
  },
  {
    description: "Desired state of a GitRepository.",
    rules: [
      {
        cel: "!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws'))",
        message: "serviceAccountName can only be set when provider is 'azure' or 'aws'",
        holds: (self) => self.serviceAccountName === undefined || self.provider === "azure" || self.provider === "aws",
      },
    ],
  },
);

export const gitRepositoryStatus = sourceStatus("GitRepository", {
  includedArtifacts: s.optional(s.array(artifact("An included artifact."), { description: "Artifacts of the last successful includes." })),
  observedInclude: s.optional(s.array(gitRepositoryInclude, { description: "Includes used for the current artifact." })),
  observedRecurseSubmodules: s.optional(s.boolean({ description: "Submodule setting used for the current artifact." })),
  observedSparseCheckout: s.optional(s.array(s.string(), { description: "Directories used for the current artifact." })),
  sourceVerificationMode: s.optional(s.string({ description: "The verification mode last used." })),
});

export type GitRepositorySpec = Infer<typeof gitRepositorySpec>;
export type GitRepositoryStatus = Infer<typeof gitRepositoryStatus>;

export const gitRepositoryKind = defineKind(
  SOURCE_V1,
  {
    kind: "GitRepository",
    plural: "gitrepositories",
    shortNames: ["gitrepo"],
    printerColumns: [{ jsonPath: ".spec.url", name: "URL", type: "string" }, AGE_COLUMN, ...READY_COLUMNS],
    description: "A Git repository fetched into an artifact.",
  },
  gitRepositorySpec,
  gitRepositoryStatus,
);
export type GitRepository = Infer<typeof gitRepositoryKind.schema>;
