/**
 * ImagePolicy (image.toolkit.fluxcd.io/v1): which of an ImageRepository's scanned tags is the latest,
 * by semver range, alphabetical or numerical order, after an optional tag filter. Schema follows Flux's
 * CRD of the same version.
 */
import { s, type Infer } from "./schema.ts";
import { duration, reconciledStatus, suspendField } from "./common.ts";
import { AGE_COLUMN, IMAGE_V1, READY_COLUMNS, defineKind } from "./kind.ts";

const order = (description: string) =>
  s.optional(
    s.object(
      { order: s.optional(s.enum(["asc", "desc"], { description: "asc: the last in order is the latest; desc: the first.", default: "asc" })) },
      { description },
    ),
  );

export const imageRef = (description: string) =>
  s.object(
    {
      digest: s.optional(s.string({ description: "Digest of the image's manifest, when reflected." })),
      name: s.string({ description: "Image name without tag." }),
      tag: s.string({ description: "Image tag." }),
    },
    { description },
  );
export type ImageRef = Infer<ReturnType<typeof imageRef>>;

export const imagePolicySpec = s.object(
  {
    digestReflectionPolicy: s.optional(
      s.enum(["Always", "IfNotPresent", "Never"], { description: "When the latest tag's digest is looked up.", default: "Never" }),
    ),
    filterTags: s.optional(
      s.object(
        {
          extract: s.optional(s.string({ description: "Template over the pattern's groups ($1, $name, ${name}) giving the value compared." })),
          pattern: s.optional(s.string({ description: "Go regular expression tags must match." })),
        },
        { description: "Which tags take part, and what part of them is compared." },
      ),
    ),
    imageRepositoryRef: s.object(
      {
        name: s.string({ description: "Name of the ImageRepository." }),
        namespace: s.optional(s.string({ description: "Namespace of the ImageRepository; the policy's own when unset." })),
      },
      { description: "The ImageRepository whose tags are chosen from." },
    ),
    interval: s.optional(duration("How often the digest is looked up again (digestReflectionPolicy Always only).")),
    policy: s.object(
      {
        alphabetical: order("Order tags by their bytes, as Go's sort.Strings does."),
        numerical: order("Order tags as floating-point numbers."),
        semver: s.optional(
          s.object({ range: s.string({ description: "Masterminds semver constraint, e.g. >=1.0.0 <2.0.0." }) }, { description: "The highest version in a range." }),
        ),
      },
      { description: "How the latest tag is chosen; exactly one rule." },
    ),
    suspend: suspendField,
  },
  {
    description: "Desired state of an ImagePolicy.",
    rules: [
      {
        cel: "!has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always')",
        message: "spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'",
        holds: (self) => self.interval === undefined || self.digestReflectionPolicy === "Always",
      },
      {
        cel: "has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always'",
        message: "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
        holds: (self) => self.interval !== undefined || self.digestReflectionPolicy !== "Always",
      },
    ],
  },
);

export const imagePolicyStatus = reconciledStatus("ImagePolicy", {
  latestRef: s.optional(imageRef("The latest image chosen by the policy.")),
  observedPreviousRef: s.optional(imageRef("The latest image before the current one.")),
});

export type ImagePolicySpec = Infer<typeof imagePolicySpec>;
export type ImagePolicyStatus = Infer<typeof imagePolicyStatus>;

export const imagePolicyKind = defineKind(
  IMAGE_V1,
  {
    kind: "ImagePolicy",
    plural: "imagepolicies",
    shortNames: ["imgpol", "imagepol"],
    printerColumns: [
      { jsonPath: ".status.latestRef.name", name: "Image", type: "string" },
      { jsonPath: ".status.latestRef.tag", name: "Tag", type: "string" },
      ...READY_COLUMNS,
      AGE_COLUMN,
    ],
    description: "Chooses the latest image from an ImageRepository's tags.",
  },
  imagePolicySpec,
  imagePolicyStatus,
);
export type ImagePolicy = Infer<typeof imagePolicyKind.schema>;
