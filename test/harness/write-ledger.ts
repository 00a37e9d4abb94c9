// A client load that remembers what the keys service acknowledged: creates, rolls and revokes (each with an
// Idempotency-Key) and introspections, from several workers at once. Each key gets at most one change after
// its creation, so every outcome can be checked exactly after a crash: an acknowledged write is present, a
// replay returns the same id and value, and a write whose answer was lost happened entirely or not at all.
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { ApiBody, ApiCaller } from "./keys-service.ts";

type Kind = "create" | "roll" | "revoke";

export interface Write {
  kind: Kind;
  idempotencyKey: string;
  path: string;
  body: Record<string, unknown>;
  /** The key this write acts on (roll, revoke). */
  target?: string;
  /** What the service answered (a 2xx), when it answered. */
  answer?: ApiBody;
}

export class WriteLedger {
  readonly acknowledged: Write[] = [];
  /** Writes whose answer never came (the service died): they must have happened entirely or not at all. */
  readonly unanswered: Write[] = [];
  /** Keys still free for one change (acknowledged creates and rolls' new keys). */
  readonly #free: string[] = [];
  readonly #secrets = new Map<string, string>();
  readonly revoked = new Set<string>();
  readonly #usage = new Map<string, number>();
  checked = 0;
  lostAnswers = 0;

  readonly adminKey: string;

  constructor(adminKey: string) {
    this.adminKey = adminKey;
  }

  #next(): Write {
    const idempotencyKey = `crash-${randomBytes(8).toString("hex")}`;
    const roll = Math.random();
    if (this.#free.length > 4 && roll < 0.25) {
      const target = this.#free.splice(Math.floor(Math.random() * this.#free.length), 1)[0] as string;
      return {
        kind: "roll",
        idempotencyKey,
        target,
        path: `/v1/api_keys/${target}/roll`,
        body: { grace_period_seconds: 3600 },
      };
    }
    if (this.#free.length > 4 && roll < 0.45) {
      const target = this.#free.splice(Math.floor(Math.random() * this.#free.length), 1)[0] as string;
      return {
        kind: "revoke",
        idempotencyKey,
        target,
        path: `/v1/api_keys/${target}/revoke`,
        body: { reason: "unused" },
      };
    }
    const body = {
      name: "Crash load key",
      environment: "test",
      scopes: ["agents:read"],
      metadata: { op: idempotencyKey },
    };
    return { kind: "create", idempotencyKey, path: "/v1/api_keys", body };
  }

  #send(call: ApiCaller, w: Write) {
    return call("POST", w.path, {
      key: this.adminKey,
      body: w.body,
      headers: { "idempotency-key": w.idempotencyKey },
    });
  }

  #record(w: Write, answer: ApiBody): void {
    w.answer = answer;
    this.acknowledged.push(w);
    if (w.kind === "revoke" && w.target) this.revoked.add(w.target);
    if (w.kind !== "revoke") {
      this.#free.push(answer.id);
      this.#secrets.set(answer.id, answer.secret);
    }
  }

  /** One worker: writes and introspections until `stop()` says so; a lost answer ends it (the service died). */
  async work(call: ApiCaller, stop: () => boolean): Promise<void> {
    while (!stop()) {
      if (Math.random() < 0.3 && this.#secrets.size > 0) {
        const secrets = [...this.#secrets.values()];
        const secret = secrets[Math.floor(Math.random() * secrets.length)];
        const res = await call("POST", "/v1/api_keys/introspect", {
          key: this.adminKey,
          body: { key: secret },
        }).catch(() => undefined);
        if (!res) return;
        expect(res.status).toBe(200);
        continue;
      }
      const w = this.#next();
      const res = await this.#send(call, w).catch(() => undefined);
      if (!res) {
        this.unanswered.push(w);
        this.lostAnswers++;
        return;
      }
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      this.#record(w, res.body);
    }
  }

  /** After a restart: the writes acknowledged since the last check, every revocation, and lost answers. */
  async verify(call: ApiCaller, since: number): Promise<void> {
    for (const w of this.acknowledged.slice(since)) await this.#checkAcknowledged(call, w);
    for (const id of this.revoked) {
      const got = await call("GET", `/v1/api_keys/${id}`, { key: this.adminKey });
      expect(got.body.status, `revoked key ${id}`).toBe("revoked");
      this.checked++;
    }
    // A lost answer: the replay either returns what was done before the crash or does it now, once.
    for (const w of this.unanswered.splice(0)) {
      const res = await this.#send(call, w);
      expect(res.status, `${w.kind} replayed after the crash: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      this.#record(w, res.body);
      await this.#checkAcknowledged(call, w);
    }
  }

  async #checkAcknowledged(call: ApiCaller, w: Write): Promise<void> {
    const answer = w.answer as ApiBody;
    const replay = await this.#send(call, w);
    expect(replay.status).toBeLessThan(300);
    expect(replay.body.id).toBe(answer.id);
    if (w.kind !== "revoke") expect(replay.body.secret).toBe(answer.secret);
    const stored = await call("GET", `/v1/api_keys/${answer.id}`, { key: this.adminKey });
    expect(stored.status, `acknowledged ${w.kind} ${answer.id}`).toBe(200);
    if (w.kind === "roll") {
      expect(stored.body.rolled_from).toBe(w.target);
      const old = await call("GET", `/v1/api_keys/${w.target}`, { key: this.adminKey });
      expect(old.body.replaced_by).toBe(answer.id);
      expect(old.body.status).toBe("expiring");
    }
    if (w.kind === "revoke") expect(stored.body.status).toBe("revoked");
    this.checked++;
  }

  /** Usage read now is never below usage read before a crash. */
  async checkUsage(call: ApiCaller, ids: string[]): Promise<void> {
    for (const id of ids) {
      const res = await call("GET", `/v1/api_keys/${id}/usage`, { key: this.adminKey });
      const total = res.body.hourly.reduce((sum, h) => sum + h.count, 0);
      expect(total, `usage of ${id}`).toBeGreaterThanOrEqual(this.#usage.get(id) ?? 0);
      this.#usage.set(id, total);
    }
  }

  /** The whole store, at the end: one key per create, at most one new key per rolled key, every ack present. */
  async checkStore(call: ApiCaller): Promise<number> {
    const keys: ApiBody[] = [];
    for (let cursor: string | null = null; ; ) {
      const page = await call("GET", `/v1/api_keys?limit=100${cursor ? `&starting_after=${cursor}` : ""}`, {
        key: this.adminKey,
      });
      keys.push(...page.body.data);
      if (!page.body.has_more) break;
      cursor = page.body.next_cursor;
    }
    const minted = keys.filter((k) => k.metadata.op && !k.rolled_from).map((k) => k.metadata.op);
    expect(new Set(minted).size, "one key per create").toBe(minted.length);
    const rolledFrom = keys.flatMap((k) => (k.rolled_from ? [k.rolled_from] : []));
    expect(new Set(rolledFrom).size, "one new key per roll").toBe(rolledFrom.length);
    const ids = new Set(keys.map((k) => k.id));
    for (const w of this.acknowledged) expect(ids.has((w.answer as ApiBody).id)).toBe(true);
    return keys.length;
  }
}
