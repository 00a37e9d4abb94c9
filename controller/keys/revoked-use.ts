// Revoked keys still presented (promise 5): one incremental page of `api_key.revoked_key_used` audit events
// per drift interval, from where the last page ended. Each new event is handed on; the planner decides
// whether its ApiKey gets a Warning. Events from before this controller started leading are not replayed.
import type { KeysClient } from "../../core/client/index.ts";
import type { RevokedKeyUse } from "../../core/planner/revoked-in-use.ts";

export interface RevokedUseOptions {
  client: KeysClient;
  /** Where to start reading: a little before the first pass, as our clock and the service's may differ. */
  startAt: number;
  onUse: (use: RevokedKeyUse) => void;
}

export class RevokedUseWatcher {
  readonly #o: RevokedUseOptions;
  #createdAfter: string;
  #cursor: string | undefined;
  /** The newest event time handed on, and the ids handed on at that time (the filter is inclusive). */
  #edge: string;
  #seenAtEdge = new Set<string>();
  pages = 0;

  constructor(options: RevokedUseOptions) {
    this.#o = options;
    this.#createdAfter = new Date(options.startAt).toISOString();
    this.#edge = this.#createdAfter;
  }

  /** Reads one page; the next call continues where it ended. */
  async pass(): Promise<void> {
    const page = await this.#o.client.listAuditEvents({
      action: "api_key.revoked_key_used",
      created_after: this.#createdAfter,
      limit: 100,
      ...(this.#cursor === undefined ? {} : { starting_after: this.#cursor }),
    });
    this.pages++;
    for (const event of page.data) {
      if (event.created_at === this.#edge && this.#seenAtEdge.has(event.id)) continue;
      if (event.created_at !== this.#edge) {
        this.#edge = event.created_at;
        this.#seenAtEdge = new Set();
      }
      this.#seenAtEdge.add(event.id);
      const details = event.details as { key_status?: unknown };
      this.#o.onUse({
        keyId: event.target_key_id,
        at: Date.parse(event.created_at),
        requestId: event.request_id,
        ip: event.ip ?? null,
        keyStatus: typeof details.key_status === "string" ? details.key_status : "revoked",
      });
    }
    if (page.has_more && page.next_cursor !== null) {
      this.#cursor = page.next_cursor;
      return;
    }
    // The last page: next time ask afresh from the newest event seen (a cursor is bound to its filters).
    this.#cursor = undefined;
    this.#createdAfter = this.#edge;
  }
}
