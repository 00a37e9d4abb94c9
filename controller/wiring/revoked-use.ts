// Wires the audit page reader to Warnings: a revoked key of an ApiKey's, still presented, gets a Warning
// Event on that ApiKey when the planner says so. Runs inside the drift pass, so only while leading.
import type { Logger } from "pino";
import type { KeysClient } from "../../core/client/index.ts";
import { revokedKeyInUseNotice } from "../../core/planner/revoked-in-use.ts";
import type { KeyFacts } from "../keys/key-facts.ts";
import { RevokedUseWatcher } from "../keys/revoked-use.ts";
import type { EventRecorder } from "../kube/events.ts";
import { target } from "../reconcile/act-finish.ts";
import type { Timers } from "../runtime/clock.ts";
import type { Watches } from "./watches.ts";

export interface RevokedUseWiring {
  keys: KeysClient;
  facts: KeyFacts;
  watches: Watches;
  events: EventRecorder;
  clusterId: string;
  timers: Timers;
  logger: Logger;
}

export function watchRevokedUse(w: RevokedUseWiring): RevokedUseWatcher {
  return new RevokedUseWatcher({
    client: w.keys,
    startAt: w.timers.now() - 60_000,
    onUse: (use) => {
      const uid = w.facts.uidOf(use.keyId);
      const ownerKey = uid === undefined ? undefined : w.watches.ownerOf(uid);
      const obj = ownerKey === undefined ? undefined : w.watches.apiKeys.get(ownerKey);
      if (obj === undefined) return;
      const { uid: objUid, namespace, name } = obj.metadata;
      const notice = revokedKeyInUseNotice(use, w.facts.record(use.keyId), {
        clusterId: w.clusterId,
        object: { uid: objUid, namespace, name },
      });
      if (notice === undefined) return;
      w.logger.warn(
        { apiKey: ownerKey, keyId: use.keyId, requestId: use.requestId, reason: notice.reason },
        "revoked key still presented",
      );
      w.events.record(target(obj), notice.type, notice.reason, notice.message);
    },
  });
}
