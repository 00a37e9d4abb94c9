// The service's own secrets: HMAC keys that turn API keys into stored digests, and AES-256-GCM keys that
// encrypt idempotent-replay responses at rest. Newest first; older HMAC keys stay for verification, so the
// service's secret can rotate without invalidating a single API key.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

interface StoredKey {
  id: string;
  key: string; // base64
  createdAt: string;
}

interface KeyringFile {
  version: 1;
  hmac: StoredKey[];
  aes: StoredKey[];
}

interface LoadedKey {
  id: string;
  key: KeyObject;
}

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyringError";
  }
}

/** A replay record sealed under an AES key this keyring lacks (another node rotated first, or it was removed). */
export class UnknownAesKeyError extends KeyringError {
  constructor(kid: string) {
    super(`no AES key "${kid}" in the keyring (was it removed?)`);
    this.name = "UnknownAesKeyError";
  }
}

/** What a keyring is checked against: HMAC key id → a one-way check value of that key (never the key). */
export type KeyringFingerprint = Record<string, string>;

export class Keyring {
  #hmac: LoadedKey[];
  #aes: LoadedKey[];
  #refresh: (() => Promise<boolean>) | undefined;

  constructor(file: KeyringFile) {
    if (file.hmac.length === 0 || file.aes.length === 0)
      throw new KeyringError("keyring needs at least one HMAC and one AES key");
    // KeyObjects: HMAC with a KeyObject costs a quarter of one with a raw Buffer key.
    this.#hmac = file.hmac.map((k) => ({ id: k.id, key: toKey(k, "HMAC") }));
    this.#aes = file.aes.map((k) => ({ id: k.id, key: toKey(k, "AES") }));
  }

  /** Each HMAC key's id and check value: lets a store tell whether a keyring is the one its digests use. */
  get fingerprint(): KeyringFingerprint {
    return Object.fromEntries(
      this.#hmac.map((k) => [k.id, hmac(k.key, "ayra-keys keyring check").slice(0, 22)]),
    );
  }

  /** Takes the keys of a reloaded keyring (after a rotation); the object stays the one everyone holds. */
  adopt(next: Keyring): void {
    this.#hmac = next.#hmac;
    this.#aes = next.#aes;
  }

  /** Set by the service: re-reads the keyring's source when a lookup misses (another node may have rotated). */
  onStale(refresh: () => Promise<boolean>): void {
    this.#refresh = refresh;
  }

  /** True when the source had changed and this keyring now holds its keys. */
  async refresh(): Promise<boolean> {
    return (await this.#refresh?.()) ?? false;
  }

  /** The id of the HMAC key new digests are made with. */
  get currentHmacId(): string {
    return (this.#hmac[0] as LoadedKey).id;
  }

  get hmacIds(): string[] {
    return this.#hmac.map((k) => k.id);
  }

  /** Digest of an API key under the current HMAC key. */
  digest(apiKey: string): { kid: string; digest: string } {
    const current = this.#hmac[0] as LoadedKey;
    return { kid: current.id, digest: hmac(current.key, apiKey) };
  }

  /** Digests under every HMAC key, newest first: lookups try each, so keys minted before a rotation still verify. */
  candidateDigests(apiKey: string): { kid: string; digest: string }[] {
    return this.#hmac.map((k) => ({ kid: k.id, digest: hmac(k.key, apiKey) }));
  }

  encrypt(plaintext: string): { kid: string; ciphertext: string } {
    const current = this.#aes[0] as LoadedKey;
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", current.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return { kid: current.id, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64") };
  }

  decrypt(kid: string, ciphertext: string): string {
    const entry = this.#aes.find((k) => k.id === kid);
    if (!entry) throw new UnknownAesKeyError(kid);
    const raw = Buffer.from(ciphertext, "base64");
    const decipher = createDecipheriv("aes-256-gcm", entry.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }
}

function hmac(key: KeyObject, value: string): string {
  return createHmac("sha256", key).update(value).digest("base64url");
}

function toKey(k: StoredKey, kind: string): KeyObject {
  const raw = Buffer.from(k.key, "base64");
  if (raw.length !== 32)
    throw new KeyringError(`${kind} key "${k.id}" must be 32 bytes (base64), got ${raw.length}`);
  return createSecretKey(raw);
}

function newKey(prefix: string): StoredKey {
  return {
    id: `${prefix}_${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}_${randomBytes(3).toString("hex")}`,
    key: randomBytes(32).toString("base64"),
    createdAt: new Date().toISOString(),
  };
}

function parseKeyringFile(text: string, source: string): KeyringFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyringError(`keyring ${source} is not valid JSON`);
  }
  const file = parsed as Partial<KeyringFile>;
  if (file?.version !== 1 || !Array.isArray(file.hmac) || !Array.isArray(file.aes))
    throw new KeyringError(`keyring ${source} must be {"version":1,"hmac":[…],"aes":[…]}`);
  return file as KeyringFile;
}

/** Durable replace: a crash or power loss leaves the old file or the new one, never a torn or missing one. */
function writeKeyringFile(path: string, file: KeyringFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const partial = `${path}.tmp-${process.pid}`;
  const fd = openSync(partial, "w", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(file, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(partial, 0o600);
  renameSync(partial, path);
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

export interface KeyringSource {
  /** The keyring JSON itself (e.g. from AYRA_KEYS_KEYRING), taking precedence over the file. */
  inline?: string;
  /** Path of the keyring file. */
  path: string;
}

/** Where the keyring comes from, for messages. */
export function describeSource(source: KeyringSource): string {
  return source.inline ? "AYRA_KEYS_KEYRING" : source.path;
}

/** The keyring's text as stored, or undefined when there is no file (and nothing inline). */
export function readKeyringText(source: KeyringSource): string | undefined {
  if (source.inline) return source.inline;
  try {
    return readFileSync(source.path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new KeyringError(`cannot read keyring ${source.path}: ${(err as Error).message}`);
  }
}

export function parseKeyring(text: string, source: KeyringSource): Keyring {
  return new Keyring(parseKeyringFile(text, source.inline ? "from AYRA_KEYS_KEYRING" : source.path));
}

/** A fresh keyring, written durably (0600). Only for a store that holds nothing yet. */
export function generateKeyringFile(path: string): Keyring {
  const file: KeyringFile = { version: 1, hmac: [newKey("hmac")], aes: [newKey("aes")] };
  writeKeyringFile(path, file);
  return new Keyring(file);
}

/** The keyring at `path`, generated when missing (for tools that build a store, e.g. the benchmarks). */
export function loadKeyring(source: KeyringSource): { keyring: Keyring; created: boolean } {
  const text = readKeyringText(source);
  if (text !== undefined) return { keyring: parseKeyring(text, source), created: false };
  return { keyring: generateKeyringFile(source.path), created: true };
}

/** Adds a new current HMAC (and AES) key; the old ones stay for verification and decryption. */
export function rotateKeyringFile(path: string): { hmacId: string; aesId: string } {
  const file = parseKeyringFile(readFileSync(path, "utf8"), path);
  const hmacKey = newKey("hmac");
  const aesKey = newKey("aes");
  writeKeyringFile(path, { ...file, hmac: [hmacKey, ...file.hmac], aes: [aesKey, ...file.aes] });
  return { hmacId: hmacKey.id, aesId: aesKey.id };
}
