// Online backup of a SQLite store: `VACUUM INTO` copies the database as one read transaction sees it, so
// the snapshot is consistent while the service keeps writing. Beside it goes the fingerprint of the keyring
// its digests use: a snapshot is useless without that keyring, and a restore checks it.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { KeyringError, type KeyringFingerprint } from "../keyring.ts";

export interface SnapshotInfo {
  version: 1;
  /** When the snapshot's read transaction ran (ISO 8601). */
  taken_at: string;
  keyring_fingerprint: KeyringFingerprint;
  keys: number;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupError";
  }
}

export function snapshotInfoPath(snapshot: string): string {
  return `${snapshot}.keyring-fingerprint.json`;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a consistent copy of the SQLite store at `databasePath` to `snapshot`, and its info beside it. */
export function takeSnapshot(databasePath: string, snapshot: string): SnapshotInfo {
  const partial = `${snapshot}.partial`;
  rmSync(partial, { force: true });
  const source = new DatabaseSync(databasePath, { readOnly: true });
  try {
    source.prepare("VACUUM INTO ?").run(partial);
  } finally {
    source.close();
  }
  const copy = new DatabaseSync(partial, { readOnly: true });
  let info: SnapshotInfo;
  try {
    const record = copy.prepare("SELECT value FROM service_meta WHERE name = 'keyring_hmac_keys'").get();
    if (!record)
      throw new BackupError(
        `${databasePath} has no keyring record yet: start the keys service on it once, then back it up`,
      );
    const keys = copy.prepare("SELECT count(*) AS n FROM api_keys").get();
    info = {
      version: 1,
      taken_at: new Date().toISOString(),
      keyring_fingerprint: JSON.parse(String(record.value)) as KeyringFingerprint,
      keys: Number(keys?.n ?? 0),
    };
  } finally {
    copy.close();
  }
  fsyncPath(partial);
  renameSync(partial, snapshot);
  writeFileSync(snapshotInfoPath(snapshot), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  fsyncPath(snapshotInfoPath(snapshot));
  fsyncPath(dirname(snapshot));
  return info;
}

export function readSnapshotInfo(snapshot: string, text: string | undefined): SnapshotInfo {
  if (text === undefined)
    throw new BackupError(
      `${snapshotInfoPath(snapshot)} is missing: a snapshot is restored only with the keyring fingerprint written beside it`,
    );
  const info = JSON.parse(text) as Partial<SnapshotInfo>;
  if (info.version !== 1 || typeof info.keyring_fingerprint !== "object" || info.keyring_fingerprint === null)
    throw new KeyringError(`${snapshotInfoPath(snapshot)} is not a snapshot info file`);
  return info as SnapshotInfo;
}
