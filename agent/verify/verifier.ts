/**
 * The verifier port a source reconciler takes for `spec.verify`: a function built from the object's
 * trust material (keys, identities) that checks one subject (a Git commit and its tag, an OCI digest)
 * and answers with data. The reconciler turns the answer into `SourceVerified` (True with `message`,
 * or a VerificationError with `reason` and `message`); the verifier itself knows nothing of conditions.
 */

export type Verification = { verified: true; message: string } | { verified: false; reason: string; message: string };

export type Verifier<Subject> = (subject: Subject) => Promise<Verification>;
