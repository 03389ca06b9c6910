import { describe, expect, test } from "bun:test";
import { RivuletError } from "../../core/errors.ts";
import { bucketCredentialsFromSecret } from "./bucket-credentials.ts";

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

describe("bucketCredentialsFromSecret", () => {
  test.each([
    ["both keys", { accesskey: b64("AKIA"), secretkey: b64("sëcret") }, { accessKey: "AKIA", secretKey: "sëcret" }],
    ["an empty access key means anonymous, as Flux", { accesskey: "", secretkey: b64("s") }, undefined],
    ["an empty secret key means anonymous, as Flux", { accesskey: b64("a"), secretkey: "" }, undefined],
    ["extra keys are ignored", { accesskey: b64("a"), secretkey: b64("s"), other: b64("x") }, { accessKey: "a", secretKey: "s" }],
  ])("%s", (_name, data, want) => {
    expect(bucketCredentialsFromSecret({ metadata: { name: "creds" }, data })).toEqual(want);
  });

  test.each([
    [{ accesskey: b64("a") }],
    [{ secretkey: b64("s") }],
    [{}],
  ])("a Secret without both data keys is an authentication error: %p", (data) => {
    let err: unknown;
    try {
      bucketCredentialsFromSecret({ metadata: { name: "creds", namespace: "team" }, data });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RivuletError);
    expect((err as RivuletError).message).toBe('Cannot use Secret "team/creds" for the bucket: data keys "accesskey" and "secretkey" are required');
    expect((err as RivuletError).reason).toBe("AuthenticationFailed");
  });
});
