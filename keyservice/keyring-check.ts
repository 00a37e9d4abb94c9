// The store remembers which HMAC keys its digests use (a row in service_meta: key id → check value), so a
// node never runs with another keyring: a missing, mistyped or foreign keyring would make every stored key
// fail for good, the admin key included. A keyring is generated only for a store that holds nothing yet.
import {
  describeSource,
  generateKeyringFile,
  type Keyring,
  KeyringError,
  type KeyringFingerprint,
  type KeyringSource,
  parseKeyring,
  readKeyringText,
} from "./keyring.ts";
import type { Database, Queryable } from "./store/database.ts";

const RECORD = "keyring_hmac_keys";

/** The keyring does not match the store: the service must not start (or must not take it on reload). */
export class KeyringMismatchError extends KeyringError {
  constructor(message: string) {
    super(message);
    this.name = "KeyringMismatchError";
  }
}

interface StoreState {
  recorded: KeyringFingerprint | undefined;
  /** HMAC key ids of stored digests, read only when nothing is recorded yet (a store from before the record). */
  digestKids: string[];
}

async function hasTable(db: Database, table: string): Promise<boolean> {
  const rows =
    db.dialect === "sqlite"
      ? await db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = $1", [table])
      : await db.query("SELECT to_regclass($1) AS name", [table]);
  return rows.some((r) => r.name !== null);
}

async function readRecord(db: Queryable, forUpdate = ""): Promise<KeyringFingerprint | undefined> {
  const rows = await db.query(`SELECT value FROM service_meta WHERE name = $1${forUpdate}`, [RECORD]);
  return rows[0] ? (JSON.parse(String(rows[0].value)) as KeyringFingerprint) : undefined;
}

async function readState(db: Database): Promise<StoreState> {
  // Read before any migration runs: a refused start writes nothing.
  if (!(await hasTable(db, "service_meta"))) return { recorded: undefined, digestKids: [] };
  const recorded = await readRecord(db);
  if (recorded) return { recorded, digestKids: [] };
  const rows = await db.query("SELECT DISTINCT hmac_kid FROM api_keys");
  return { recorded, digestKids: rows.map((r) => String(r.hmac_kid)) };
}

/** HMAC key ids the store needs that `keyring` lacks (or holds with other key material). */
export function missingKeys(keyring: Keyring, recorded: KeyringFingerprint): string[] {
  const have = keyring.fingerprint;
  return Object.entries(recorded)
    .filter(([kid, check]) => have[kid] !== check)
    .map(([kid]) => kid);
}

function mismatch(source: KeyringSource, missing: string[], what: string): KeyringMismatchError {
  const where = describeSource(source);
  return new KeyringMismatchError(
    `keyring ${where} ${what}: the store's API keys are digested with HMAC key(s) ${missing.join(", ")}. ` +
      `Fix: give this node the keyring the store was written with (restore ${where} from your secret store or ` +
      "backup, or point --keyring-file / AYRA_KEYS_KEYRING at it); every node on one database shares one keyring. " +
      "A new keyring would make every stored key, the admin key included, fail.",
  );
}

/**
 * The keyring this node may run with: the given one when it holds every key the store recorded, a new one
 * (written durably) when there is no keyring and the store is empty; otherwise a KeyringMismatchError.
 */
export async function openKeyring(
  db: Database,
  source: KeyringSource,
): Promise<{ keyring: Keyring; created: boolean }> {
  const state = await readState(db);
  const needed = state.recorded ? Object.keys(state.recorded) : state.digestKids;
  const text = readKeyringText(source);
  if (text === undefined) {
    if (needed.length > 0) throw mismatch(source, needed, "does not exist");
    return { keyring: generateKeyringFile(source.path), created: true };
  }
  const keyring = parseKeyring(text, source);
  const missing = state.recorded
    ? missingKeys(keyring, state.recorded)
    : state.digestKids.filter((kid) => !keyring.hmacIds.includes(kid));
  if (missing.length > 0) throw mismatch(source, missing, "is not the one this store uses");
  return { keyring, created: false };
}

/**
 * Records the keyring's HMAC keys in the store (first start, or after a rotation added one). Checked again
 * under the row lock: two nodes starting at once with different keyrings cannot both win.
 */
export async function recordKeyring(db: Database, keyring: Keyring, source: KeyringSource): Promise<void> {
  await db.transaction(async (tx) => {
    const fingerprint = keyring.fingerprint;
    await tx.run("INSERT INTO service_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [
      RECORD,
      JSON.stringify(fingerprint),
    ]);
    const recorded = (await readRecord(tx, db.forUpdate)) ?? {};
    const missing = missingKeys(keyring, recorded);
    if (missing.length > 0) throw mismatch(source, missing, "is not the one this store uses");
    if (Object.keys(fingerprint).some((kid) => !(kid in recorded)))
      await tx.run("UPDATE service_meta SET value = $2 WHERE name = $1", [
        RECORD,
        JSON.stringify({ ...recorded, ...fingerprint }),
      ]);
  });
}

/** The recorded fingerprint (for backups), or undefined for a store that has none yet. */
export async function recordedFingerprint(db: Database): Promise<KeyringFingerprint | undefined> {
  return (await hasTable(db, "service_meta")) ? readRecord(db) : undefined;
}

/**
 * Re-reads the keyring's file; when it changed and still holds every recorded key, records the new keys and
 * hands them to `keyring`. Returns true when the keyring changed. A file that lost keys is refused (thrown)
 * and the running keyring stays.
 */
export function keyringReloader(db: Database, keyring: Keyring, source: KeyringSource) {
  let lastText = readKeyringText(source);
  return async (): Promise<boolean> => {
    const text = readKeyringText(source);
    if (text === undefined) throw mismatch(source, keyring.hmacIds, "has disappeared");
    if (text === lastText) return false;
    const next = parseKeyring(text, source);
    const dropped = missingKeys(next, keyring.fingerprint);
    if (dropped.length > 0) throw mismatch(source, dropped, "lost keys in use");
    await recordKeyring(db, next, source);
    keyring.adopt(next);
    lastText = text;
    return true;
  };
}

/**
 * What a lookup miss calls: a key minted by a node that already took a rotated keyring misses here, so the
 * file is read again — at most once a second (a flood of forged keys costs one read a second); concurrent
 * misses share one read.
 */
export function throttled(
  reload: () => Promise<boolean>,
  onError: (err: Error) => void,
  minIntervalMs = 1_000,
): () => Promise<boolean> {
  let last = 0;
  let running: Promise<boolean> | undefined;
  return () => {
    if (running) return running;
    const at = Date.now();
    if (at - last < minIntervalMs) return Promise.resolve(false);
    last = at;
    running = reload()
      .catch((err: unknown) => {
        onError(err instanceof Error ? err : new Error(String(err)));
        return false;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
}
