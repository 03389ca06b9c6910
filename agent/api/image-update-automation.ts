/**
 * ImageUpdateAutomation (image.toolkit.fluxcd.io/v1): checks out a GitRepository's repository, writes the
 * latest images of the selected ImagePolicies into the files' setter markers, commits and pushes. Schema
 * follows Flux's CRD of the same version.
 */
import { s, type Infer } from "./schema.ts";
import { duration, localObjectReference, reconciledStatus, suspendField } from "./common.ts";
import { imageRef } from "./image-policy.ts";
import { AGE_COLUMN, IMAGE_V1, READY_COLUMNS, defineKind } from "./kind.ts";

/** The only update strategy Flux has: rewrite the values marked with `# {"$imagepolicy": ...}`. */
export const UPDATE_STRATEGY_SETTERS = "Setters";

const gitCheckoutRef = s.object(
  {
    branch: s.optional(s.string({ description: "Branch to check out." })),
    commit: s.optional(s.string({ description: "Commit SHA to check out; wins over all other fields." })),
    name: s.optional(s.string({ description: "Full reference, e.g. refs/heads/main; wins over branch, tag and semver." })),
    semver: s.optional(s.string({ description: "SemVer range over tags; wins over tag." })),
    tag: s.optional(s.string({ description: "Tag to check out; wins over branch." })),
  },
  { description: "The Git reference to check out." },
);

const labelSelectorRequirement = s.object(
  {
    key: s.string({ description: "Label key the requirement applies to." }),
    operator: s.string({ description: "In, NotIn, Exists or DoesNotExist." }),
    values: s.optional(s.array(s.string(), { description: "Values for In and NotIn; empty for Exists and DoesNotExist.", listType: "atomic" })),
  },
  { description: "A label requirement." },
);

export const imageUpdateAutomationSpec = s.object(
  {
    git: s.optional(
      s.object(
        {
          checkout: s.optional(
            s.object(
              { ref: gitCheckoutRef },
              { description: "Where to check out from; the GitRepository's own ref when unset." },
            ),
          ),
          commit: s.object(
            {
              author: s.object(
                {
                  email: s.string({ description: "Email address of the commit author." }),
                  name: s.optional(s.string({ description: "Name of the commit author." })),
                },
                { description: "Author of the commits." },
              ),
              messageTemplate: s.optional(
                s.string({ description: "Go text/template for the commit message, over .AutomationObject, .Changed and .Values." }),
              ),
              messageTemplateValues: s.optional(s.map(s.string(), { description: "Values given to the message template as .Values." })),
              signingKey: s.optional(
                s.object(
                  {
                    secretRef: localObjectReference("Secret with the key: git.asc (and passphrase) for gpg, identity (and password) for ssh."),
                    type: s.optional(s.enum(["gpg", "ssh"], { description: "Kind of signing key; gpg when unset." })),
                  },
                  { description: "Key to sign the commits with." },
                ),
              ),
            },
            { description: "How the commits are made." },
          ),
          push: s.optional(
            s.object(
              {
                branch: s.optional(s.string({ description: "Branch to push to; the checkout branch when unset." })),
                options: s.optional(s.map(s.string(), { description: "Git push options (sent with the push)." })),
                refspec: s.optional(s.string({ description: "Refspec to push, e.g. refs/heads/main:refs/heads/auto." })),
              },
              { description: "Where the commits are pushed." },
            ),
          ),
        },
        { description: "Checkout, commit and push settings." },
      ),
    ),
    interval: duration("How often the automation runs."),
    policySelector: s.optional(
      s.object(
        {
          matchExpressions: s.optional(s.array(labelSelectorRequirement, { description: "Label requirements, all of which must hold.", listType: "atomic" })),
          matchLabels: s.optional(s.map(s.string(), { description: "Labels the ImagePolicies must carry." })),
        },
        { description: "Which ImagePolicies in the namespace take part; all of them when unset.", mapType: "atomic" },
      ),
    ),
    sourceRef: s.object(
      {
        apiVersion: s.optional(s.string({ description: "API version of the referent." })),
        kind: s.enum(["GitRepository"], { description: "Kind of the referent.", default: "GitRepository" }),
        name: s.string({ description: "Name of the referent." }),
        namespace: s.optional(s.string({ description: "Namespace of the referent; the automation's own when unset." })),
      },
      { description: "The GitRepository whose repository is updated." },
    ),
    suspend: suspendField,
    update: s.optional(
      s.object(
        {
          path: s.optional(s.string({ description: "Path in the repository whose files are updated; the root when unset." })),
          strategy: s.optional(s.enum([UPDATE_STRATEGY_SETTERS], { description: "How files are updated.", default: UPDATE_STRATEGY_SETTERS })),
        },
        { description: "How and where the files are updated.", default: { strategy: UPDATE_STRATEGY_SETTERS } },
      ),
    ),
  },
  { description: "Desired state of an ImageUpdateAutomation." },
);

export const imageUpdateAutomationStatus = reconciledStatus("ImageUpdateAutomation", {
  lastAutomationRunTime: s.optional(s.string({ description: "When the automation last ran.", format: "date-time" })),
  lastPushCommit: s.optional(s.string({ description: "SHA of the last commit pushed." })),
  lastPushTime: s.optional(s.string({ description: "When the last commit was pushed.", format: "date-time" })),
  observedPolicies: s.optional(s.map(imageRef("The latest image of a policy."), { description: "Latest images of the policies used, by policy name." })),
  observedSourceRevision: s.optional(s.string({ description: "Revision of the source the last run checked out." })),
});

export type ImageUpdateAutomationSpec = Infer<typeof imageUpdateAutomationSpec>;
export type ImageUpdateAutomationStatus = Infer<typeof imageUpdateAutomationStatus>;

export const imageUpdateAutomationKind = defineKind(
  IMAGE_V1,
  {
    kind: "ImageUpdateAutomation",
    plural: "imageupdateautomations",
    shortNames: ["iua", "imgupd", "imgauto"],
    printerColumns: [
      ...READY_COLUMNS,
      { jsonPath: ".status.lastAutomationRunTime", name: "Last run", priority: 1, type: "string" },
      AGE_COLUMN,
    ],
    description: "Writes the latest images of ImagePolicies into a Git repository.",
  },
  imageUpdateAutomationSpec,
  imageUpdateAutomationStatus,
);
export type ImageUpdateAutomation = Infer<typeof imageUpdateAutomationKind.schema>;
