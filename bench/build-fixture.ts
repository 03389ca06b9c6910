/**
 * Writes the generated overlay the build benchmark runs on: 50 bases of small manifests (ConfigMap,
 * Service, Deployment in turn, each Deployment mounting its ConfigMap), one overlay with a namePrefix,
 * commonLabels and a targeted strategic merge patch over every Deployment. `objects` is the total.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const BASES = 50;

export function writeFixture(dir: string, objects: number): void {
  rmSync(dir, { recursive: true, force: true });
  const perBase = Math.ceil(objects / BASES);
  let made = 0;
  const bases: string[] = [];
  for (let b = 0; b < BASES && made < objects; b++) {
    const name = `base-${String(b).padStart(2, "0")}`;
    const bdir = join(dir, "bases", name);
    mkdirSync(bdir, { recursive: true });
    const files: string[] = [];
    for (let i = 0; i < perBase && made < objects; i++, made++) {
      const app = `${name}-app-${Math.floor(i / 3)}`;
      const file = `r-${i}.yaml`;
      files.push(file);
      const kind = i % 3;
      const text =
        kind === 0
          ? `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${app}-config\ndata:\n  mode: base\n  index: "${i}"\n`
          : kind === 1
            ? `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${app}\nspec:\n  selector:\n    app: ${app}\n  ports:\n  - port: 80\n    targetPort: 8080\n`
            : `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${app}\n  labels:\n    app: ${app}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: ${app}\n  template:\n    metadata:\n      labels:\n        app: ${app}\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.25\n        ports:\n        - containerPort: 8080\n        volumeMounts:\n        - name: config\n          mountPath: /etc/app\n      volumes:\n      - name: config\n        configMap:\n          name: ${app}-config\n`;
      writeFileSync(join(bdir, file), text);
    }
    writeFileSync(join(bdir, "kustomization.yaml"), `namePrefix: b${b}-\nresources:\n${files.map((f) => `- ${f}`).join("\n")}\n`);
    bases.push(`bases/${name}`);
  }
  writeFileSync(
    join(dir, "kustomization.yaml"),
    `namespace: bench
namePrefix: prod-
commonLabels:
  env: prod
resources:
${bases.map((b) => `- ${b}`).join("\n")}
patches:
- target:
    kind: Deployment
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: any
    spec:
      template:
        spec:
          containers:
          - name: app
            resources:
              limits:
                memory: 128Mi
`,
  );
}
