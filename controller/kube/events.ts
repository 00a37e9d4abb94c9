// Kubernetes Events for ApiKeys (client-node has no recorder): core/v1 Events, fire-and-forget, masked for
// key literals, and de-duplicated in memory so a repeated message is written once per window.
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { maskKeyLiterals } from "../../core/domain/key-format.ts";
import type { Timers } from "../runtime/clock.ts";
import type { KubeRest } from "./rest.ts";

export interface EventTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export class EventRecorder {
  readonly #rest: KubeRest;
  readonly #logger: Logger;
  readonly #timers: Timers;
  readonly #instance: string;
  readonly #seen = new Map<string, number>();
  readonly #windowMs: number;
  #inFlight = new Set<Promise<void>>();

  constructor(options: {
    rest: KubeRest;
    logger: Logger;
    timers: Timers;
    instance: string;
    windowMs?: number;
  }) {
    this.#rest = options.rest;
    this.#logger = options.logger;
    this.#timers = options.timers;
    this.#instance = options.instance;
    this.#windowMs = options.windowMs ?? 600_000;
  }

  record(target: EventTarget, type: "Normal" | "Warning", reason: string, rawMessage: string): void {
    const message = maskKeyLiterals(rawMessage).slice(0, 1024);
    const now = this.#timers.now();
    const id = `${target.uid}|${type}|${reason}|${message}`;
    const last = this.#seen.get(id);
    if (last !== undefined && now - last < this.#windowMs) return;
    this.#seen.set(id, now);
    if (this.#seen.size > 10_000)
      for (const k of [...this.#seen.keys()].slice(0, 5_000)) this.#seen.delete(k);
    const time = new Date(now).toISOString();
    const body = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${target.name}.${randomBytes(8).toString("hex")}`, namespace: target.namespace },
      involvedObject: {
        apiVersion: target.apiVersion,
        kind: target.kind,
        name: target.name,
        namespace: target.namespace,
        uid: target.uid,
      },
      reason,
      message,
      type,
      source: { component: "ayra-keys-controller" },
      reportingComponent: "keys.ayra.ai/controller",
      reportingInstance: this.#instance,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    const p = this.#rest
      .create(`/api/v1/namespaces/${target.namespace}/events`, body)
      .then(() => undefined)
      .catch((error: unknown) => this.#logger.warn({ err: error, reason }, "could not record event"))
      .finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }
}
