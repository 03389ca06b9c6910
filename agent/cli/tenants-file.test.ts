import { describe, expect, test } from "bun:test";
import { parseTenantsFile } from "./tenants-file.ts";

const head = "apiVersion: rivulet.dev/v1alpha1\nkind: TenantList\n";
const F = "/etc/rivulet/tenants.yaml";
const parse = (text: string) => parseTenantsFile(text, F, "/etc/rivulet");

describe("the tenants file", () => {
  test("reads each credential kind, the default ServiceAccount and a tenant's concurrency", () => {
    const text = `${head}tenants:
  - namespace: team-a
  - namespace: team-b
    serviceAccount: deployer
  - namespace: team-c
    kubeconfig: team-c.kubeconfig
  - namespace: team-d
    tokenFile: /var/run/secrets/team-d/token
    concurrent: 2
`;
    expect(parse(text)).toEqual([
      { namespace: "team-a", credentials: { kind: "serviceAccount", name: "rivulet" } },
      { namespace: "team-b", credentials: { kind: "serviceAccount", name: "deployer" } },
      { namespace: "team-c", credentials: { kind: "kubeconfig", path: "/etc/rivulet/team-c.kubeconfig" } },
      { namespace: "team-d", credentials: { kind: "tokenFile", path: "/var/run/secrets/team-d/token" }, concurrent: 2 },
    ]);
  });

  test("an empty list is a host with no tenants", () => {
    expect(parse(`${head}tenants: []\n`)).toEqual([]);
  });

  test("refuses bad input with a message naming the entry and the field", () => {
    const cases: Array<[string, string]> = [
      ["tenants: [", "Cannot use the tenants file /etc/rivulet/tenants.yaml: "],
      ["", "Cannot use the tenants file /etc/rivulet/tenants.yaml: it must hold one YAML mapping (apiVersion: rivulet.dev/v1alpha1, kind: TenantList), not 0 documents"],
      ["- a\n", "Cannot use the tenants file /etc/rivulet/tenants.yaml: it must hold one YAML mapping (apiVersion: rivulet.dev/v1alpha1, kind: TenantList), not a list"],
      ["apiVersion: v1\nkind: ConfigMap\n", 'Cannot use the tenants file /etc/rivulet/tenants.yaml: apiVersion and kind must be rivulet.dev/v1alpha1 and TenantList, not "v1" and "ConfigMap"'],
      [`${head}`, "Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants must be a list, not nothing"],
      [`${head}tenants: team-a\n`, 'Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants must be a list, not the string "team-a"'],
      [`${head}tenants: [team-a]\n`, 'Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0] must be a mapping, not the string "team-a"'],
      [`${head}tenants:\n  - serviceAccount: x\n`, "Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0]: namespace is required"],
      [`${head}tenants:\n  - namespace: Team_A\n`, 'Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0]: namespace "Team_A" is not a DNS-1123 label (at most 63 lower-case letters, digits and "-", starting and ending with a letter or digit)'],
      [`${head}tenants:\n  - namespace: ${"a".repeat(64)}\n`, `Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0]: namespace "${"a".repeat(64)}" is not a DNS-1123 label`],
      [`${head}tenants:\n  - namespace: 7\n`, "Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0]: namespace 7 is not a DNS-1123 label"],
      [`${head}tenants:\n  - namespace: team-a\n  - namespace: team-b\n  - namespace: team-a\n`, "Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[2] (team-a): namespace team-a is already listed at tenants[0]"],
      [`${head}tenants:\n  - namespace: team-a\n    serviceAccount: rivulet\n    kubeconfig: a.kubeconfig\n`, "Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0] (team-a): give at most one of serviceAccount, kubeconfig and tokenFile, not serviceAccount and kubeconfig"],
      [`${head}tenants:\n  - namespace: team-a\n    kubeconfig: a\n    tokenFile: t\n    serviceAccount: s\n`, "Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0] (team-a): give at most one of serviceAccount, kubeconfig and tokenFile, not serviceAccount and kubeconfig and tokenFile"],
      [`${head}tenants:\n  - namespace: team-a\n    serviceaccount: rivulet\n`, 'Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0] (team-a): unknown field "serviceaccount" (known: namespace, concurrent, serviceAccount, kubeconfig, tokenFile)'],
      [`${head}tenants:\n  - namespace: team-a\n    serviceAccount: Bad_Name\n`, 'Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0] (team-a): serviceAccount "Bad_Name" is not a valid ServiceAccount name (a DNS-1123 subdomain)'],
      [`${head}tenants:\n  - namespace: team-a\n    tokenFile: ""\n`, 'Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0] (team-a): tokenFile must be a non-empty string, not ""'],
      [`${head}tenants:\n  - namespace: team-a\n    kubeconfig: [a]\n`, 'Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0] (team-a): kubeconfig must be a non-empty string, not ["a"]'],
      [`${head}tenants:\n  - namespace: team-a\n    concurrent: 0\n`, "Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0] (team-a): concurrent must be a whole number of at least 1, not 0"],
      [`${head}tenants:\n  - namespace: team-a\n    concurrent: "2"\n`, 'Cannot use the tenants file /etc/rivulet/tenants.yaml: tenants[0] (team-a): concurrent must be a whole number of at least 1, not "2"'],
    ];
    for (const [text, message] of cases) expect(() => parse(text)).toThrow(message);
  });
});
