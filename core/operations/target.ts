// Which key a person means by NAME|ID, and who manages it. Pure: the shell fetches, this decides.
import type { ApiKey } from "../client/types.ts";
import { keyOwner as ownerOf } from "./key-owner.ts";

/** Who acts on a key: the controller (through its ApiKey), a Pulumi stack, or nobody (a person). */
export type KeyOwner =
  | { kind: "controller"; cluster: string | undefined; namespace: string; name: string }
  | { kind: "pulumi"; stack: string | undefined; project: string | undefined; urn: string }
  | { kind: "unmanaged" };

/** From the key's metadata, as core/operations/key-owner.ts reads it, with the stack's name and project apart. */
export function keyOwner(key: Pick<ApiKey, "metadata">): KeyOwner {
  const owner = ownerOf(key.metadata);
  switch (owner.kind) {
    case "controller":
      return { kind: "controller", cluster: owner.cluster, namespace: owner.namespace, name: owner.name };
    case "pulumi": {
      // pulumi_stack is `urn:pulumi:<stack>::<project>`, the start of every URN in that stack.
      const match = /^urn:pulumi:([^:]+)::([^:]+)/.exec(owner.stack);
      return { kind: "pulumi", stack: match?.[1], project: match?.[2], urn: owner.urn };
    }
    case "unmanaged":
      return owner;
  }
}

export function describeOwner(owner: KeyOwner): string {
  switch (owner.kind) {
    case "controller":
      return `the Kubernetes controller (ApiKey ${owner.namespace}/${owner.name}${owner.cluster ? ` in cluster ${owner.cluster}` : ""})`;
    case "pulumi":
      return `Pulumi (stack ${owner.stack ?? "?"}, ${owner.urn})`;
    case "unmanaged":
      return "nobody (an unmanaged key)";
  }
}

export type TargetProblem = "empty" | "not_found" | "ambiguous";

export class TargetError extends Error {
  override readonly name = "TargetError";
  readonly problem: TargetProblem;
  readonly candidates: readonly ApiKey[];
  constructor(problem: TargetProblem, message: string, candidates: readonly ApiKey[] = []) {
    super(message);
    this.problem = problem;
    this.candidates = candidates;
  }
}

/** `key_` + 24 base62 characters: looked up as an id; anything else is a name. */
export function looksLikeKeyId(reference: string): boolean {
  return /^key_[0-9A-Za-z]{24}$/.test(reference);
}

/**
 * The one key `reference` names, among the keys found by id (at most one) and by exact name. Revoked and
 * expired keys answer to an id but never to a name: a name means the working key of that name, the active one
 * when a rotated key is still expiring under the same name.
 */
export function pickTarget(
  reference: string,
  found: { byId: ApiKey | undefined; byName: readonly ApiKey[] },
): ApiKey {
  if (reference.trim() === "")
    throw new TargetError("empty", "NAME|ID is empty: give a key's id (key_…) or its exact name");
  if (found.byId) return found.byId;
  const live = found.byName.filter((k) => k.status === "active" || k.status === "expiring");
  // After a rotation the old key keeps its name while it is expiring: the name means the current one.
  const active = live.filter((k) => k.status === "active");
  const only = active.length === 1 ? active[0] : live.length === 1 ? live[0] : undefined;
  if (only) return only;
  if (live.length > 1)
    throw new TargetError(
      "ambiguous",
      `${live.length} working keys are named ${JSON.stringify(reference)}; give one of their ids:\n${live
        .map(
          (k) =>
            `  ${k.id}  ${k.environment}  ${k.redacted}  created ${k.created_at}  managed by ${describeOwner(keyOwner(k))}`,
        )
        .join("\n")}`,
      live,
    );
  const what = looksLikeKeyId(reference) ? "id" : "name";
  throw new TargetError(
    "not_found",
    `no working key has the ${what} ${JSON.stringify(reference)}${
      found.byName.length > 0 ? ` (${found.byName.length} revoked or expired one(s) do)` : ""
    }: check it with the keys API or the dashboard; names are exact and case-sensitive`,
    found.byName,
  );
}

/**
 * Whether an ApiKey provably serves a key: its status names the key, current or previous. A key's metadata is
 * only its minter's word (anyone who may create keys could name another team's ApiKey there), while the status
 * is the controller's alone; so a command acts on an ApiKey for a key only when the status says so.
 */
export function apiKeyServes(
  apiKey: { status?: { keyId?: string; previousKeys?: readonly { keyId: string }[] } },
  keyId: string,
): boolean {
  const status = apiKey.status;
  return status?.keyId === keyId || (status?.previousKeys ?? []).some((p) => p.keyId === keyId);
}
