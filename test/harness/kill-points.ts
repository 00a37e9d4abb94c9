// Crash points expressed from outside the process: "kill the controller once call X has passed", where X is a
// (method, path pattern) seen by a pass-through proxy in front of the keys API or kube-apiserver. They name
// what the controller does (mint, roll, revoke, write a Secret, write status, restart a workload), not where
// in its code it does it, so they survive a change of write plan — and a point the controller never reaches
// fails loudly instead of passing silently.
import { KEY_METADATA } from "../../core/keys/key-metadata.ts";
import type { PassedCall, PassThroughProxy } from "./pass-through-proxy.ts";

export interface KillPoint {
  name: string;
  method: RegExp;
  /** Matched against the path without the query string. */
  path: RegExp;
  /** A further condition on the call, e.g. the ApiKey a key is minted for (read from the request body). */
  also?: (call: PassedCall) => boolean;
}

const NAME = "[a-z0-9.-]+";
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The crash points of the controller's crash-safety tests, each for one ApiKey (by name) in a namespace. */
export const killPoints = {
  afterKeyCreate: (apiKey: string): KillPoint => ({
    name: "after key create",
    method: /^POST$/,
    path: /^\/v1\/api_keys$/,
    also: (call) => mintedFor(call) === apiKey,
  }),
  afterRoll: (keyId: string): KillPoint => ({
    name: "after roll",
    method: /^POST$/,
    path: new RegExp(`^/v1/api_keys/${literal(keyId)}/roll$`),
  }),
  /** A revocation of one of `keyIds`. */
  afterRevoke: (keyIds: readonly string[]): KillPoint => ({
    name: "after revoke",
    method: /^POST$/,
    path: new RegExp(`^/v1/api_keys/(${keyIds.map(literal).join("|")})/revoke$`),
  }),
  afterSecretWrite: (namespace: string, secret: string): KillPoint => ({
    name: "after Secret write",
    method: /^(POST|PUT|PATCH)$/,
    path: new RegExp(`^/api/v1/namespaces/${literal(namespace)}/secrets(/${literal(secret)})?$`),
    // A create names the Secret in its body; an update or patch in its path.
    also: (call) => call.path.endsWith(`/${secret}`) || call.requestBody.includes(`"name":"${secret}"`),
  }),
  afterStatusWrite: (namespace: string, apiKey: string): KillPoint => ({
    name: "after status write",
    method: /^(PUT|PATCH)$/,
    path: new RegExp(
      `^/apis/keys\\.ayra\\.ai/[^/]+/namespaces/${literal(namespace)}/apikeys/${literal(apiKey)}/status$`,
    ),
  }),
  afterWorkloadRestart: (namespace: string, kind = "deployments", name = NAME): KillPoint => ({
    name: "after workload restart",
    method: /^PATCH$/,
    path: new RegExp(`^/apis/apps/v1/namespaces/${literal(namespace)}/${kind}/${name}$`),
  }),
} as const;

/** The ApiKey a create request mints for, by the metadata every minted key carries. */
function mintedFor(call: PassedCall): string | undefined {
  try {
    const body = JSON.parse(call.requestBody) as { metadata?: Record<string, unknown> };
    const name = body.metadata?.[KEY_METADATA.name];
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}

export function matches(point: KillPoint, call: PassedCall): boolean {
  return (
    call.status >= 200 &&
    call.status < 300 &&
    point.method.test(call.method) &&
    point.path.test(call.path) &&
    (point.also === undefined || point.also(call))
  );
}

export class KillPointNeverReached extends Error {
  static {
    KillPointNeverReached.prototype.name = "KillPointNeverReached";
  }
}

interface Armed {
  point: KillPoint;
  kill: () => unknown;
  reached: (call: PassedCall) => void;
}

/**
 * Watches the proxies a process under test talks through. `arm(point, kill)`: the first call matching the
 * point, once its response is sent back, holds every proxy (nothing the process sends afterwards reaches a
 * server) and then kills the process — a crash right after that call, whatever the code does next.
 */
export class KillSwitch {
  readonly #proxies: PassThroughProxy[] = [];
  #armed: Armed | undefined;
  /** How long the process gets to take in the answer before it dies (its next calls are held meanwhile). */
  readonly #settleMs: number;

  constructor(options: { settleMs?: number } = {}) {
    this.#settleMs = options.settleMs ?? 50;
  }

  /** Registers a proxy whose `onPassed` is `switch.observe`. */
  watch(proxy: PassThroughProxy): void {
    this.#proxies.push(proxy);
  }

  observe = (call: PassedCall): void => {
    const armed = this.#armed;
    if (armed === undefined || !matches(armed.point, call)) return;
    this.#armed = undefined;
    for (const p of this.#proxies) p.hold();
    setTimeout(() => {
      void armed.kill();
      armed.reached(call);
    }, this.#settleMs);
  };

  /**
   * Arms one point. The returned promise resolves once the process was killed there; it rejects with
   * KillPointNeverReached if no matching call passed within `timeoutMs`, listing the calls that did.
   */
  arm(point: KillPoint, kill: () => unknown, options: { timeoutMs?: number } = {}): Promise<PassedCall> {
    if (this.#armed !== undefined) throw new Error(`kill point "${this.#armed.point.name}" is still armed`);
    for (const p of this.#proxies) p.release();
    const seenBefore = this.#proxies.map((p) => p.calls.length);
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise<PassedCall>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#armed?.point !== point) return;
        this.#armed = undefined;
        const seen = this.#proxies
          .flatMap((p, i) => p.calls.slice(seenBefore[i]))
          .filter((c) => c.method !== "GET")
          .map((c) => `  ${c.method} ${c.path} → ${c.status}`);
        reject(
          new KillPointNeverReached(
            `kill point "${point.name}" (${point.method.source} ${point.path.source}) never reached within ${timeoutMs} ms; the writes that passed:\n${seen.join("\n") || "  none"}`,
          ),
        );
      }, timeoutMs);
      this.#armed = {
        point,
        kill,
        reached: (call) => {
          clearTimeout(timer);
          resolve(call);
        },
      };
    });
  }

  /** Forward again without a point armed (a restarted process runs undisturbed). */
  disarm(): void {
    this.#armed = undefined;
    for (const p of this.#proxies) p.release();
  }
}
