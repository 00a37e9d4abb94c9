import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { Command, Option } from "commander";
import {
  parseAuditExport,
  type ReapplyOutcome,
  reapplyRevocations,
} from "../../keyservice/backup/reapply-revocations.ts";
import {
  BackupError,
  readSnapshotInfo,
  snapshotInfoPath,
  takeSnapshot,
} from "../../keyservice/backup/snapshot.ts";
import {
  describeSource,
  type KeyringFingerprint,
  type KeyringSource,
  parseKeyring,
  readKeyringText,
} from "../../keyservice/keyring.ts";
import { KeyringMismatchError, missingKeys, recordedFingerprint } from "../../keyservice/keyring-check.ts";
import { openDatabase } from "../../keyservice/store/database.ts";
import { defaultDataDir } from "./serve.ts";

interface CommonFlags {
  dataDir: string;
  database?: string;
  output: "text" | "json";
}

const sqlitePath = (flags: CommonFlags): string => {
  const database = flags.database ?? `sqlite:${join(flags.dataDir, "keys.db")}`;
  if (!database.startsWith("sqlite:"))
    throw new BackupError(
      "--database: snapshots are of SQLite stores; back PostgreSQL up with pg_dump (see the README)",
    );
  return database.slice("sqlite:".length);
};

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Refuses a keyring that lacks a key the snapshot (or the store) was written with. */
function checkKeyring(source: KeyringSource, wanted: KeyringFingerprint, what: string): void {
  const text = readKeyringText(source);
  const missing = text === undefined ? Object.keys(wanted) : missingKeys(parseKeyring(text, source), wanted);
  if (missing.length > 0)
    throw new KeyringMismatchError(
      `keyring ${describeSource(source)} ${text === undefined ? "does not exist" : "lacks keys"}: ${what} was written with ` +
        `HMAC key(s) ${missing.join(", ")}. Fix: restore with that keyring (--keyring-file); without it every restored key fails.`,
    );
}

function report(flags: CommonFlags, value: Record<string, unknown>, text: string): void {
  process.stdout.write(flags.output === "json" ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

function common(command: Command): Command {
  return command
    .addOption(
      new Option("--data-dir <dir>", "the service's data folder")
        .default(defaultDataDir(), "./.data")
        .env("AYRA_KEYS_DATA_DIR"),
    )
    .addOption(
      new Option("--database <url>", "sqlite:PATH (default: DATA_DIR/keys.db)").env("AYRA_KEYS_DATABASE_URL"),
    )
    .addOption(new Option("--output <format>", "text or json").choices(["text", "json"]).default("text"));
}

/** `ayra-keys backup --to FILE` and `ayra-keys backup restore`. */
export function backupCommand(): Command {
  const backup = common(
    new Command("backup").description(
      "write a consistent snapshot of a SQLite keys store while it serves, with its keyring's fingerprint beside it",
    ),
  )
    // Not a required option: commander would then demand it of `backup restore` too.
    .option("--to <file>", "the snapshot file to write (FILE.keyring-fingerprint.json goes beside it)")
    .action((flags: CommonFlags & { to?: string }) => {
      const to = flags.to;
      if (!to) throw new BackupError("--to FILE is required: where the snapshot is written");
      const info = takeSnapshot(sqlitePath(flags), to);
      report(
        flags,
        { snapshot: to, info: snapshotInfoPath(to), ...info },
        `Wrote ${to} (${info.keys} keys) and ${snapshotInfoPath(to)}. Keep the keyring with it: the snapshot is useless without it.`,
      );
    });
  // --data-dir, --database and --output belong to `backup` and are read from there (optsWithGlobals).
  backup
    .command("restore")
    .description(
      "restore a snapshot (SQLite) or an already restored database, then revoke again every key the audit export shows revoked since",
    )
    .option("--snapshot <file>", "the snapshot to restore into --database (SQLite); omit after a pg_restore")
    .requiredOption(
      "--audit-export <file>",
      "GET /v1/audit_events pages saved before the restore (JSON or JSON Lines)",
    )
    .option(
      "--keyring-file <path>",
      "the keyring (default: DATA_DIR/keyring.json; AYRA_KEYS_KEYRING holds it inline)",
    )
    .option("--replace", "replace an existing database file (stop the service first)")
    .action(async (_local: unknown, command: Command) => {
      const flags = command.optsWithGlobals<
        CommonFlags & { snapshot?: string; auditExport: string; keyringFile?: string; replace?: boolean }
      >();
      const source: KeyringSource = {
        inline: process.env.AYRA_KEYS_KEYRING,
        path: flags.keyringFile ?? join(flags.dataDir, "keyring.json"),
      };
      const events = parseAuditExport(readFileSync(flags.auditExport, "utf8"), flags.auditExport);
      let outcome: ReapplyOutcome;
      if (flags.snapshot) {
        const snapshot = flags.snapshot;
        const infoText = existsSync(snapshotInfoPath(snapshot))
          ? readFileSync(snapshotInfoPath(snapshot), "utf8")
          : undefined;
        checkKeyring(
          source,
          readSnapshotInfo(snapshot, infoText).keyring_fingerprint,
          `snapshot ${snapshot}`,
        );
        const target = sqlitePath(flags);
        if (existsSync(target) && !flags.replace)
          throw new BackupError(
            `${target} exists: stop the keys service and pass --replace to restore over it`,
          );
        // Revocations are replayed on a copy; the database appears only once they are in it.
        const partial = `${target}.restoring`;
        for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
        copyFileSync(snapshot, partial);
        const db = await openDatabase(`sqlite:${partial}`);
        try {
          outcome = await reapplyRevocations(db, events, Date.now());
        } finally {
          await db.close();
        }
        fsyncPath(partial);
        for (const f of [`${target}-wal`, `${target}-shm`]) rmSync(f, { force: true });
        renameSync(partial, target);
        fsyncPath(dirname(target));
      } else {
        const db = await openDatabase(flags.database ?? `sqlite:${join(flags.dataDir, "keys.db")}`);
        try {
          const recorded = await recordedFingerprint(db);
          if (!recorded) throw new BackupError("the database holds no keys service store");
          checkKeyring(source, recorded, "the database");
          outcome = await reapplyRevocations(db, events, Date.now());
        } finally {
          await db.close();
        }
      }
      report(
        flags,
        { ...outcome },
        `Restored. Revoked again: ${outcome.revoked.length}; deadlines set again: ${outcome.rescheduled.length}; ` +
          `keys created after the snapshot (gone, mint new ones): ${outcome.lost.length ? outcome.lost.join(", ") : "none"}.`,
      );
    });
  return backup;
}
