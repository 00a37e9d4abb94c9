// Every key the signed-in key may see, loaded once per visit: the first page is shown as soon as it arrives
// and the rest load in the background, 100 at a time (the list API's page), so 10,000 keys are searchable
// without a request per keystroke.
import { api, query } from "./api.ts";
import { type IndexedKey, indexKeys } from "./model/key-filter.ts";
import type { ApiKey, KeyList } from "./model/types.ts";

export interface KeyStoreState {
  keys: IndexedKey[];
  /** True while later pages are still loading. */
  loading: boolean;
  /** True once the first page is in. */
  ready: boolean;
  error: string | null;
}

type Listener = (state: KeyStoreState) => void;

/** Pages of 100 keys loaded between two updates of the list. */
const BATCH = 10;

export class KeyStore {
  #state: KeyStoreState = { keys: [], loading: false, ready: false, error: null };
  #listeners = new Set<Listener>();
  #generation = 0;

  get state(): KeyStoreState {
    return this.#state;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(next: Partial<KeyStoreState>): void {
    this.#state = { ...this.#state, ...next };
    for (const listener of this.#listeners) listener(this.#state);
  }

  /** Loads every page again; a load still running is abandoned. */
  async load(): Promise<void> {
    const generation = ++this.#generation;
    const all: IndexedKey[] = [];
    let pages = 0;
    let cursor: string | undefined;
    this.#set({ loading: true, error: null });
    try {
      for (;;) {
        const page = await api.get<KeyList>(`/v1/api_keys${query({ limit: 100, starting_after: cursor })}`);
        if (generation !== this.#generation) return;
        all.push(...indexKeys(page.data));
        pages++;
        const last = !page.has_more || page.next_cursor === null;
        // The first page shows at once; later ones land in batches, so 10,000 keys re-render the list ten
        // times rather than a hundred while the person is already reading the first rows.
        if (pages === 1 || last || pages % BATCH === 0)
          this.#set({ keys: [...all], ready: true, loading: !last });
        if (last) return;
        cursor = page.next_cursor ?? undefined;
      }
    } catch (error) {
      if (generation === this.#generation)
        this.#set({
          loading: false,
          ready: true,
          error: error instanceof Error ? error.message : String(error),
        });
    }
  }

  /** Puts a key the page just changed or created in place, without a reload. */
  upsert(...changed: ApiKey[]): void {
    const keys = [...this.#state.keys];
    for (const key of changed) {
      const [indexed] = indexKeys([key]);
      if (!indexed) continue;
      const at = keys.findIndex((k) => k.key.id === key.id);
      if (at >= 0) keys[at] = indexed;
      else keys.push(indexed);
    }
    this.#set({ keys });
  }

  find(id: string): ApiKey | undefined {
    return this.#state.keys.find((k) => k.key.id === id)?.key;
  }

  clear(): void {
    this.#generation++;
    this.#set({ keys: [], loading: false, ready: false, error: null });
  }
}
