// The service's files at rest, checked on every start: the data folder private to the service's user
// (0700), the database and the secrets (keyring, bootstrap key file) readable by that user only (0600).
// - What is ours and writable is tightened in place — except a secret that everyone could read: it may
//   already have been read, so the service refuses it and says how to fix it rather than hiding it.
// - A file we cannot change (not ours, or a read-only mount: never chmod-ed) is judged by its mode: group
//   access is accepted when the group is the process's own (a Kubernetes Secret volume with fsGroup mounts
//   files root-owned, 0440, in our group); access by anyone else is refused for files, and only warned about
//   for folders (the files in them are checked one by one).
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, type Stats, statSync } from "node:fs";
import { dirname } from "node:path";

export class FilePermissionError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.name = "FilePermissionError";
    this.path = path;
  }
}

export interface PermissionTarget {
  path: string;
  /** folder: 0700; data: 0600, fixed when ours; secret: 0600, and never accepted once world-accessible. */
  kind: "folder" | "data" | "secret";
}

export interface PermissionReport {
  /** Paths whose mode was tightened, with the old and new mode. */
  fixed: { path: string; from: number; to: number }[];
  /** Folders too open that are not ours to fix: allowed (the secrets inside are checked), but worth a warning. */
  openFolders: { path: string; mode: number }[];
}

const WANTED = { folder: 0o700, data: 0o600, secret: 0o600 } as const;
const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, "0")}`;

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Tightens `path` to `mode`; false when the file system says no (read-only mount, not permitted). */
function tryChmod(path: string, mode: number): boolean {
  try {
    chmodSync(path, mode);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EROFS" || code === "EACCES" || code === "EPERM") return false;
    throw err;
  }
}

/** Who the service runs as: the owner and group that count as "ours". */
export interface ProcessIdentity {
  uid: number;
  gid: number;
}

function processIdentity(): ProcessIdentity {
  return { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 };
}

/** What others may do, judged by mode alone: nothing, or only the process's own group. */
function exposure(stats: Stats, wanted: number, gid: number): "none" | "own-group" | "others" {
  const extra = stats.mode & 0o777 & ~wanted;
  if (extra === 0) return "none";
  if ((extra & 0o007) !== 0) return "others";
  return stats.gid === gid ? "own-group" : "others";
}

export function checkFilePermissions(
  targets: readonly PermissionTarget[],
  identity: ProcessIdentity = processIdentity(),
): PermissionReport {
  const report: PermissionReport = { fixed: [], openFolders: [] };
  for (const { path, kind } of targets) {
    const stats = statOrUndefined(path);
    if (!stats) continue;
    const wanted = WANTED[kind];
    const mode = stats.mode & 0o777;
    if ((mode & ~wanted) === 0) continue;
    const ours = stats.uid === identity.uid;
    const worldAccessible = (mode & 0o007) !== 0;
    if (kind === "secret" && worldAccessible) throw refusal(path, mode, { ours, exposed: true });
    if (ours && tryChmod(path, mode & wanted)) {
      report.fixed.push({ path, from: mode, to: mode & wanted });
      continue;
    }
    if (exposure(stats, wanted, identity.gid) !== "others") continue;
    if (kind === "folder") report.openFolders.push({ path, mode });
    else throw refusal(path, mode, { ours, exposed: false });
  }
  return report;
}

function refusal(path: string, mode: number, how: { ours: boolean; exposed: boolean }): FilePermissionError {
  const who = how.exposed
    ? "every user on this machine can access it"
    : how.ours
      ? "other users can access it and its mode cannot be changed here"
      : "other users can access it and it belongs to another user";
  return new FilePermissionError(
    path,
    `refusing to start: ${path} holds secrets but ${who} (mode ${octal(mode)}). ` +
      `Fix it with: chmod 600 ${path}` +
      (how.exposed ? " (and treat what it holds as possibly read)" : "") +
      " — or, on Kubernetes, mount it with defaultMode 0400 (or 0440 with the pod's fsGroup).",
  );
}

/** The files a service checks: its data folder, keyring and bootstrap key file, and a SQLite store's files. */
export function serviceFiles(paths: {
  dataDir: string;
  keyringFile?: string;
  adminKeyFile?: string;
  database: string;
}): PermissionTarget[] {
  const sqlite = sqlitePath(paths.database);
  return [
    { path: paths.dataDir, kind: "folder" },
    ...(paths.keyringFile ? [{ path: paths.keyringFile, kind: "secret" as const }] : []),
    ...(paths.adminKeyFile ? [{ path: paths.adminKeyFile, kind: "secret" as const }] : []),
    ...(sqlite
      ? ["", "-wal", "-shm"].map((suffix) => ({ path: `${sqlite}${suffix}`, kind: "data" as const }))
      : []),
  ];
}

/** A new SQLite file is created 0600 before SQLite opens it (its -wal and -shm files then take its mode). */
export function createPrivateSqliteFile(database: string): void {
  const path = sqlitePath(database);
  if (path === undefined || existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, "a", 0o600));
}

function sqlitePath(database: string): string | undefined {
  if (!database.startsWith("sqlite:")) return undefined;
  const path = database.slice("sqlite:".length);
  return path === ":memory:" || path === "" ? undefined : path;
}
