// What the sweep learns from a Pulumi backend, read from the CLI's own output: which stacks exist
// (`pulumi stack ls --all --json`) and which key ids a stack's resources hold (`pulumi stack export`).
// Pure: the shell runs the CLI, this reads its JSON. Secrets are never needed: key ids are plain outputs.
import type { ApiKey } from "../client/types.ts";
import { keyOwner, stackRef } from "./key-owner.ts";

/** A stack the backend lists. `project` is undefined for a backend that does not scope stacks by project. */
export interface ListedStack {
  /** As the CLI names it (`organization/shop/dev`), for `pulumi stack export --stack`. */
  fullName: string;
  project: string | undefined;
  stack: string;
  /** The backend says an update is running now: its state may not yet name a key it just minted. */
  updateInProgress: boolean;
}

/** What a stack's state says about keys: the ids its resources hold, and slots an interrupted update left. */
export interface StackContents {
  /** Key ids held by any resource: the current key (`keyId`) and one kept through its grace (`previousKeyId`). */
  keyIds: ReadonlySet<string>;
  /** URNs with a pending operation (an update killed mid-create): the key minted there may be claimed next run. */
  pendingUrns: ReadonlySet<string>;
  /** Some key id could not be read (a secret output): an unheld key is then not proven unheld. */
  opaque: boolean;
}

export class PulumiOutputError extends Error {
  override readonly name = "PulumiOutputError";
}

/** `pulumi stack ls --all --json`. */
export function parseStackListing(json: string): ListedStack[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new PulumiOutputError("`pulumi stack ls --json` did not print JSON");
  }
  if (!Array.isArray(parsed)) throw new PulumiOutputError("`pulumi stack ls --json` did not print a list");
  return parsed.map((entry) => {
    const name = (entry as { name?: unknown }).name;
    if (typeof name !== "string" || name === "")
      throw new PulumiOutputError("`pulumi stack ls --json` listed a stack without a name");
    const parts = name.split("/");
    // `org/project/stack` (every current backend); an older file backend lists bare stack names.
    const stack = parts[parts.length - 1] ?? name;
    const project = parts.length >= 3 ? parts[parts.length - 2] : undefined;
    return {
      fullName: name,
      project,
      stack,
      updateInProgress: (entry as { updateInProgress?: unknown }).updateInProgress === true,
    };
  });
}

interface ExportedResource {
  urn?: unknown;
  id?: unknown;
  type?: unknown;
  outputs?: Record<string, unknown>;
}

/** `pulumi stack export` (version 3 deployments). */
export function parseStackExport(json: string): StackContents {
  let parsed: { deployment?: { resources?: ExportedResource[]; pending_operations?: unknown[] } };
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new PulumiOutputError("`pulumi stack export` did not print JSON");
  }
  const deployment = parsed?.deployment;
  if (typeof deployment !== "object" || deployment === null)
    throw new PulumiOutputError("`pulumi stack export` printed no deployment");
  const keyIds = new Set<string>();
  let opaque = false;
  for (const r of deployment.resources ?? []) {
    for (const field of ["keyId", "previousKeyId"]) {
      const value = r.outputs?.[field];
      if (typeof value === "string") keyIds.add(value);
      else if (value !== undefined && value !== null) opaque = true;
    }
  }
  const pendingUrns = new Set<string>();
  for (const op of deployment.pending_operations ?? []) {
    const urn = (op as { resource?: { urn?: unknown } }).resource?.urn;
    if (typeof urn === "string") pendingUrns.add(urn);
  }
  return { keyIds, pendingUrns, opaque };
}

/** The listed stacks a key's stack may be: same name, and same project where the backend says. */
export function stacksMatching(
  listed: readonly ListedStack[],
  ref: { stack: string; project: string },
): ListedStack[] {
  return listed.filter(
    (s) => s.stack === ref.stack && (s.project === undefined || s.project === ref.project),
  );
}

/** Whether the backend holds any stack of a project: if none, it is likely not the project's backend at all. */
export function backendHoldsProject(listed: readonly ListedStack[], project: string): boolean {
  return listed.some((s) => s.project === undefined || s.project === project);
}

/** The stacks whose contents the sweep needs: listed stacks some Pulumi key's stack may be. */
export function stacksToExport(keys: readonly ApiKey[], stacks: readonly ListedStack[]): string[] {
  const names = new Set<string>();
  for (const key of keys) {
    if (key.status !== "active" && key.status !== "expiring") continue;
    const owner = keyOwner(key.metadata);
    if (owner.kind !== "pulumi") continue;
    const ref = stackRef(owner.stack) ?? stackRef(owner.urn);
    if (ref) for (const s of stacksMatching(stacks, ref)) names.add(s.fullName);
  }
  return [...names];
}
