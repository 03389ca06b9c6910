import { expect, test } from "bun:test";
import { kubeApiRateOf } from "./kube-api-flags.ts";

test.each([
  [{}, undefined],
  [{ "kube-api-qps": "20" }, { qps: 20, burst: 300 }],
  [{ "kube-api-burst": "10" }, { qps: 50, burst: 10 }],
  [{ "kube-api-qps": "2.5", "kube-api-burst": "5" }, { qps: 2.5, burst: 5 }],
])("rivulet run's API rate flags %p give %p (off without either; Flux's default for the other)", (values, rate) => {
  expect(kubeApiRateOf(values)).toEqual(rate);
});

test("a host of tenants gives each Flux's defaults when neither flag is given", () => {
  expect(kubeApiRateOf({}, { tenants: true })).toEqual({ qps: 50, burst: 300 });
  expect(kubeApiRateOf({ "kube-api-qps": "5" }, { tenants: true })).toEqual({ qps: 5, burst: 300 });
});

test.each([
  [{ "kube-api-qps": "0" }, '--kube-api-qps must be a number above 0, such as 50 or 2.5, not "0"'],
  [{ "kube-api-qps": "-1" }, '--kube-api-qps must be a number above 0, such as 50 or 2.5, not "-1"'],
  [{ "kube-api-qps": "fast" }, '--kube-api-qps must be a number above 0, such as 50 or 2.5, not "fast"'],
  [{ "kube-api-burst": "0" }, '--kube-api-burst must be a whole number of at least 1, not "0"'],
  [{ "kube-api-burst": "1.5" }, '--kube-api-burst must be a whole number of at least 1, not "1.5"'],
  [{ "kube-api-qps": "5", "kube-api-burst": "" }, '--kube-api-burst must be a whole number of at least 1, not ""'],
])("rivulet run %p is a usage error", (values, message) => {
  expect(() => kubeApiRateOf(values)).toThrow(message);
});
