/**
 * What an image update changed, in the shape Flux's commit message templates read (image-automation-
 * controller's update.Result): file -> object -> the changes made in it, each with its old value, new
 * value and the setter (`ns:policy`, `ns:policy:tag`, ...) that made it. Plain data, built by setters.ts
 * and handed to the commit message renderer.
 */

/** An object in a file, as kyaml identifies it; a kustomization.yaml has no name or namespace. */
export interface ObjectIdentifier {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

export interface Change {
  oldValue: string;
  newValue: string;
  setter: string;
}

/** The changes made to one object. */
export interface ObjectChanges {
  object: ObjectIdentifier;
  changes: Change[];
}

/** File path (relative to the update path, `/`-separated) -> the objects changed in it, in file order. */
export type FileChanges = Map<string, ObjectChanges[]>;

const sameObject = (a: ObjectIdentifier, b: ObjectIdentifier) =>
  a.apiVersion === b.apiVersion && a.kind === b.kind && a.name === b.name && a.namespace === b.namespace;

/** Records one change, appending to the object's list as Flux's Result.AddChange does. */
export function addChange(result: FileChanges, file: string, object: ObjectIdentifier, change: Change): void {
  let objects = result.get(file);
  if (!objects) result.set(file, (objects = []));
  const entry = objects.find((o) => sameObject(o.object, object));
  if (entry) entry.changes.push(change);
  else objects.push({ object: { ...object }, changes: [change] });
}

/**
 * Every distinct change, as Result.Changes() (Flux walks Go maps, so its order varies; ours is by file
 * path, then file order).
 */
export function allChanges(result: FileChanges): Change[] {
  const seen = new Set<string>();
  const out: Change[] = [];
  for (const file of sortedFiles(result)) {
    for (const { changes } of result.get(file)!) {
      for (const c of changes) {
        const key = JSON.stringify([c.oldValue, c.newValue, c.setter]);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(c);
      }
    }
  }
  return out;
}

/** The changes per object whatever file it is in, as Result.Objects(). */
export function changedObjects(result: FileChanges): ObjectChanges[] {
  const out: ObjectChanges[] = [];
  for (const file of sortedFiles(result)) {
    for (const { object, changes } of result.get(file)!) {
      const entry = out.find((o) => sameObject(o.object, object));
      if (entry) entry.changes.push(...changes);
      else out.push({ object: { ...object }, changes: [...changes] });
    }
  }
  return out;
}

function sortedFiles(result: FileChanges): string[] {
  return [...result.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
