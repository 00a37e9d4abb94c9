// The stray-key sweep: which keys ayra-keys minted have lost their owner (an ApiKey deleted while no controller
// ran or force-deleted, a Pulumi stack removed without `destroy`, a slot a crashed update left behind). Pure:
// the shell reads the keys, the cluster's ApiKeys and the Pulumi stacks; this judges each key and says why.
// A key is stray only when its owner is proven gone; whatever could not be read makes it unknown, never stray.
import type { ApiKey, Environment, KeyStatus } from "../client/types.ts";
import { formatDuration } from "../domain/durations.ts";
import { readKeyMetadata } from "../keys/key-metadata.ts";
import { SWEEP_MARGIN_MS, strayKeysOfDeleted } from "../planner/retire.ts";
import type { KeyRecord } from "../planner/types.ts";
import { type ControllerOwner, describeKeyOwner, keyOwner, type PulumiOwner, stackRef } from "./key-owner.ts";
import { backendHoldsProject, type ListedStack, type StackContents, stacksMatching } from "./sweep-pulumi.ts";

/** Why a key got its verdict: named once, used in the table, the JSON and the exit code. */
export const SWEEP_REASONS = {
  apiKeyGone: "apikey_gone",
  stackGone: "stack_gone",
  notHeld: "not_held_by_stack",
  apiKeyExists: "apikey_exists",
  heldByStack: "held_by_stack",
  retained: "deletion_policy_retain",
  unmanaged: "unmanaged",
  otherCluster: "other_cluster",
  tooYoung: "too_young",
  clusterUnread: "cluster_unreadable",
  backendUnread: "pulumi_backend_unreadable",
  stackUnread: "stack_unreadable",
  projectNotInBackend: "project_not_in_backend",
  updateRunning: "update_running",
  pendingOperation: "pending_operation",
  opaqueState: "stack_state_opaque",
  noCluster: "no_cluster_recorded",
  noUid: "no_uid_recorded",
  noDeletionPolicy: "no_deletion_policy",
  stackNotNamed: "stack_not_named",
} as const;
export type SweepReason = (typeof SWEEP_REASONS)[keyof typeof SWEEP_REASONS];

/** Unknowns because a source could not be read: a scheduled sweep should say so (its exit code). */
export const UNREAD_SOURCE_REASONS: ReadonlySet<SweepReason> = new Set([
  SWEEP_REASONS.clusterUnread,
  SWEEP_REASONS.backendUnread,
  SWEEP_REASONS.stackUnread,
]);

export type SweepVerdict = "stray" | "unknown" | "kept" | "not_judged";

export interface SweepFinding {
  id: string;
  name: string;
  redacted: string;
  environment: Environment;
  status: KeyStatus;
  created_at: string;
  managed_by: "controller" | "pulumi" | "unmanaged";
  /** Who the metadata names, in one line (`controller e2e:team-a/web`, `pulumi urn:… urn:…`). */
  owner: string;
  verdict: SweepVerdict;
  reason: SweepReason;
  why: string;
}

/** The cluster as read: its id (kube-system's uid, or --cluster-id) and its ApiKeys; `why` when unread. */
export interface ClusterView {
  clusterId: string | undefined;
  apiKeys: readonly { uid: string; namespace: string; name: string }[] | undefined;
  why?: string;
}

/** The Pulumi backend as read: its stacks, and each needed stack's contents (or why it could not be read). */
export type PulumiView =
  | {
      backend: string;
      stacks: readonly ListedStack[];
      contents: ReadonlyMap<string, StackContents | { unreadable: string }>;
    }
  | { backend: string | undefined; unreadable: string };

export interface SweepInput {
  keys: readonly ApiKey[];
  cluster: ClusterView;
  pulumi: PulumiView;
  now: number;
  /** Keys minted more recently than this may belong to an update or reconcile still running. */
  minAgeMs: number;
}

/** Never less than the controller's own margin: our clock and the keys service's may differ by that much. */
export function effectiveMinAge(minAgeMs: number): number {
  return Math.max(minAgeMs, SWEEP_MARGIN_MS);
}

export function sweep(input: SweepInput): SweepFinding[] {
  const minAgeMs = effectiveMinAge(input.minAgeMs);
  const working = input.keys.filter((k) => k.status === "active" || k.status === "expiring");
  const { clusterId, apiKeys } = input.cluster;
  const uids = new Set((apiKeys ?? []).map((a) => a.uid));
  // The controller's own rule for keys of deleted ApiKeys, over every namespace of this cluster.
  const controllerStrays = new Set(
    clusterId === undefined || apiKeys === undefined
      ? []
      : strayKeysOfDeleted(
          { clusterId, namespace: undefined, exists: (uid) => uids.has(uid), listedAt: input.now - minAgeMs },
          working.map(recordOf),
        ),
  );
  return working.map((key) => {
    const owner = keyOwner(key.metadata);
    const young = Date.parse(key.created_at) >= input.now - minAgeMs;
    const age = `minted ${formatDuration(Math.max(0, input.now - Date.parse(key.created_at)))} ago, within --min-age ${formatDuration(minAgeMs)}: its update or reconcile may still be running`;
    const base = {
      id: key.id,
      name: key.name,
      redacted: key.redacted,
      environment: key.environment,
      status: key.status,
      created_at: key.created_at,
      managed_by: owner.kind,
      owner: describeKeyOwner(owner),
    };
    const judged =
      owner.kind === "controller"
        ? judgeController(owner, key, input.cluster, { uids, controllerStrays, young, age })
        : owner.kind === "pulumi"
          ? judgePulumi(owner, key, input.pulumi, { young, age })
          : verdict("not_judged", SWEEP_REASONS.unmanaged, "no ayra-keys metadata: a person manages it");
    return { ...base, ...judged };
  });
}

type Judged = Pick<SweepFinding, "verdict" | "reason" | "why">;
const verdict = (v: SweepVerdict, reason: SweepReason, why: string): Judged => ({ verdict: v, reason, why });

function judgeController(
  owner: ControllerOwner,
  key: ApiKey,
  cluster: ClusterView,
  facts: { uids: ReadonlySet<string>; controllerStrays: ReadonlySet<string>; young: boolean; age: string },
): Judged {
  const R = SWEEP_REASONS;
  const apiKey = `ApiKey ${owner.namespace}/${owner.name}${owner.uid ? ` (uid ${owner.uid})` : ""}`;
  if (owner.cluster === undefined)
    return verdict("unknown", R.noCluster, `the key records no cluster: cannot tell whose ${apiKey} it is`);
  if (cluster.clusterId === undefined)
    return verdict("unknown", R.clusterUnread, `cannot tell this cluster's id: ${cluster.why ?? "unread"}`);
  if (owner.cluster !== cluster.clusterId)
    return verdict(
      "not_judged",
      R.otherCluster,
      `minted in cluster ${owner.cluster}, this is ${cluster.clusterId}: sweep there`,
    );
  if (cluster.apiKeys === undefined)
    return verdict(
      "unknown",
      R.clusterUnread,
      `the cluster's ApiKeys could not be read: ${cluster.why ?? "unread"}`,
    );
  if (owner.uid === undefined)
    return verdict(
      "unknown",
      R.noUid,
      `the key records no ApiKey uid: a recreated ${apiKey} cannot be told apart`,
    );
  if (facts.uids.has(owner.uid)) return verdict("kept", R.apiKeyExists, `${apiKey} exists`);
  if (facts.young) return verdict("unknown", R.tooYoung, facts.age);
  const policy = readKeyMetadata(key.metadata, "deletionPolicy");
  if (policy === "Retain")
    return verdict("kept", R.retained, `${apiKey} no longer exists, and said deletionPolicy Retain`);
  if (policy !== "Revoke")
    return verdict(
      "unknown",
      R.noDeletionPolicy,
      `${apiKey} no longer exists, but the key records no deletion policy (minted before it was recorded): it may have said Retain`,
    );
  if (facts.controllerStrays.has(key.id)) return verdict("stray", R.apiKeyGone, `${apiKey} no longer exists`);
  return verdict(
    "unknown",
    R.clusterUnread,
    `${apiKey} was not found, but the controller's rule does not call it stray`,
  );
}

function judgePulumi(
  owner: PulumiOwner,
  key: ApiKey,
  pulumi: PulumiView,
  facts: { young: boolean; age: string },
): Judged {
  const R = SWEEP_REASONS;
  const ref = stackRef(owner.stack) ?? stackRef(owner.urn);
  if (ref === undefined)
    return verdict("unknown", R.stackNotNamed, `the key's stack is recorded as a digest: ${owner.stack}`);
  const name = `stack ${ref.project}/${ref.stack}`;
  if ("unreadable" in pulumi)
    return verdict("unknown", R.backendUnread, `the Pulumi backend could not be read: ${pulumi.unreadable}`);
  const stacks = stacksMatching(pulumi.stacks, ref);
  if (stacks.length === 0) {
    if (!backendHoldsProject(pulumi.stacks, ref.project))
      return verdict(
        "unknown",
        R.projectNotInBackend,
        `backend ${pulumi.backend} holds no stack of project ${ref.project}: is it that project's backend?`,
      );
    if (facts.young) return verdict("unknown", R.tooYoung, facts.age);
    return verdict("stray", R.stackGone, `${name} no longer exists in ${pulumi.backend}`);
  }
  const contents = stacks.map((s) => ({ listed: s, contents: pulumi.contents.get(s.fullName) }));
  const holder = contents.find(
    (c) => c.contents !== undefined && "keyIds" in c.contents && c.contents.keyIds.has(key.id),
  );
  if (holder) return verdict("kept", R.heldByStack, `held by a resource of stack ${holder.listed.fullName}`);
  const unread = contents.find((c) => c.contents === undefined || "unreadable" in c.contents);
  if (unread)
    return verdict(
      "unknown",
      R.stackUnread,
      `stack ${unread.listed.fullName} could not be read: ${unread.contents && "unreadable" in unread.contents ? unread.contents.unreadable : "not exported"}`,
    );
  if (facts.young) return verdict("unknown", R.tooYoung, facts.age);
  const readable = contents.map((c) => ({ listed: c.listed, state: c.contents as StackContents }));
  const running = readable.find((c) => c.listed.updateInProgress);
  if (running)
    return verdict("unknown", R.updateRunning, `an update is running on stack ${running.listed.fullName}`);
  const pending = readable.find((c) => c.state.pendingUrns.has(owner.urn));
  if (pending)
    return verdict(
      "unknown",
      R.pendingOperation,
      `stack ${pending.listed.fullName} has a pending operation on ${owner.urn} (an interrupted update): run \`pulumi refresh\` there first`,
    );
  if (readable.some((c) => c.state.opaque))
    return verdict("unknown", R.opaqueState, `a resource of ${name} holds a key id this sweep cannot read`);
  return verdict("stray", R.notHeld, `${name} has no resource holding this key`);
}

function recordOf(key: ApiKey): KeyRecord {
  return {
    id: key.id,
    status: key.status,
    name: key.name,
    environment: key.environment,
    scopes: key.scopes,
    redacted: key.redacted,
    createdAt: Date.parse(key.created_at),
    expiresAt: key.expires_at === null ? null : Date.parse(key.expires_at),
    rolledFrom: key.rolled_from,
    metadata: key.metadata,
  };
}

export interface SweepSummary {
  stray: number;
  unknown: number;
  kept: number;
  not_judged: number;
}

export function summarize(findings: readonly SweepFinding[]): SweepSummary {
  const summary: SweepSummary = { stray: 0, unknown: 0, kept: 0, not_judged: 0 };
  for (const f of findings) summary[f.verdict]++;
  return summary;
}
