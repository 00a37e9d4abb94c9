// Everything a reconcile needs, wired once in controller.ts and passed explicitly.
import type { Logger } from "pino";
import type { KeysClient } from "../../core/client/index.ts";
import type { MintRequest } from "../../core/planner/types.ts";
import type { KeyFacts } from "../keys/key-facts.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { Informer } from "../kube/informer.ts";
import type { KubeRest } from "../kube/rest.ts";
import type { KubeObject, SecretObject } from "../kube/types.ts";
import type { ControllerMetrics } from "../metrics.ts";
import type { Timers } from "../runtime/clock.ts";
import type { LatestWrites } from "./latest.ts";
import type { ApiKeyObject, ApiKeyPolicyObject } from "./objects.ts";
import type { Refusals } from "./refusals.ts";
import type { SecretIndex } from "./secret-index.ts";

/** The parts of a cache a reconcile reads. */
export type Cache<T extends KubeObject> = Pick<Informer<T>, "get" | "list">;

export interface ReconcileDeps {
  rest: Pick<KubeRest, "get" | "create" | "replace" | "mergePatch" | "strategicPatch">;
  keys: KeysClient;
  facts: KeyFacts;
  apiKeys: Cache<ApiKeyObject>;
  secrets: Cache<SecretObject>;
  policies: Cache<ApiKeyPolicyObject>;
  namespaces: Cache<KubeObject>;
  secretIndex: SecretIndex;
  latestApiKeys: LatestWrites<ApiKeyObject>;
  latestSecrets: LatestWrites<SecretObject>;
  events: Pick<EventRecorder, "record">;
  metrics: ControllerMetrics;
  logger: Logger;
  timers: Timers;
  refusals: Refusals;
  /** Mints sent and not answered, per ApiKey uid (this process only): retried unchanged. */
  unanswered: Map<string, MintRequest>;
  clusterId: string;
}
