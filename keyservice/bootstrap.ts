// The first start on an empty store makes one admin key (live, admin:full) so someone can manage the rest.
// Its value is shown once on a terminal — the show-once moment — or written to a 0600 file (always when
// there is no terminal: a container's stdout is collected as logs), or taken from AYRA_KEYS_ADMIN_KEY; it
// never reaches the JSON log stream.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { keyDisplayParts, parseKey } from "../core/domain/index.ts";
import { insertKey } from "./keys/key-repository.ts";
import { writeAudit } from "./service/audit-log.ts";
import type { ServiceDeps } from "./service/context.ts";
import { mintKey } from "./service/key-operations.ts";

export interface BootstrapOptions {
  /** A key to install as the bootstrap admin key (from AYRA_KEYS_ADMIN_KEY). */
  adminKey?: string;
  /** Write the generated key to this file (mode 0600) instead of showing it. */
  adminKeyFile?: string;
  /** The terminal where the one display goes; without one, adminKeyFile is required. */
  show?: (text: string) => void;
}

export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BootstrapError";
  }
}

export type BootstrapOutcome =
  | { created: false }
  | { created: true; keyId: string; delivered: "stdout" | "file" | "environment" };

export async function bootstrapAdminKey(
  deps: ServiceDeps,
  options: BootstrapOptions,
): Promise<BootstrapOutcome> {
  if (options.adminKey !== undefined && parseKey(options.adminKey) === undefined)
    throw new BootstrapError(
      "AYRA_KEYS_ADMIN_KEY is not a well-formed key (sk_live_… or sk_test_… with a valid checksum).",
    );
  const show = options.show;
  if (options.adminKey === undefined && options.adminKeyFile === undefined && show === undefined)
    throw new BootstrapError("the bootstrap admin key needs a terminal to be shown on, or a file to go to.");
  let secret: string | undefined;
  const outcome = await deps.db.transaction(async (tx): Promise<BootstrapOutcome> => {
    const now = deps.now();
    // Two replicas starting on one PostgreSQL: only the first insert of this row wins.
    const claimed = await tx.run(
      "INSERT INTO service_meta (name, value) VALUES ('bootstrapped_at', $1) ON CONFLICT (name) DO NOTHING",
      [String(now)],
    );
    if (claimed === 0) return { created: false };
    const minted = mintKey(
      deps,
      {
        name: "Bootstrap admin key",
        environment: options.adminKey ? (parseKey(options.adminKey)?.environment ?? "live") : "live",
        scopes: ["admin:full"],
        expiresAt: null,
        metadata: { "ayra-keys/bootstrap": "true" },
        rolledFrom: null,
        createdBy: null,
      },
      now,
    );
    let record = minted.record;
    if (options.adminKey) {
      const { kid, digest } = deps.keyring.digest(options.adminKey);
      const parts = keyDisplayParts(options.adminKey);
      record = { ...record, hmacKid: kid, digest, first6: parts.first6, last4: parts.last4 };
    } else {
      secret = minted.secret;
    }
    await insertKey(tx, record);
    const delivered = options.adminKey ? "environment" : options.adminKeyFile ? "file" : "stdout";
    await writeAudit(tx, {
      action: "api_key.bootstrap",
      actorKeyId: null,
      targetKeyId: record.id,
      requestId: null,
      ip: null,
      at: now,
      details: { delivered },
    });
    if (secret !== undefined && options.adminKeyFile) writeSecretFile(options.adminKeyFile, secret);
    return { created: true, keyId: record.id, delivered };
  });
  if (outcome.created && secret !== undefined && !options.adminKeyFile) {
    show?.(
      [
        "",
        "A new keys service: this is its bootstrap admin key (live, admin:full). It is shown once, now.",
        "Store it securely; use it to create scoped keys, then revoke it or keep it locked away.",
        "",
        `    ${secret}`,
        "",
      ].join("\n"),
    );
  } else if (outcome.created && secret !== undefined && options.adminKeyFile) {
    show?.(
      `A new keys service: its bootstrap admin key was written to ${options.adminKeyFile} (mode 0600).\n`,
    );
  }
  return outcome;
}

/** Writes the key to a new 0600 file and renames it into place: no moment where it is readable by others. */
function writeSecretFile(path: string, secret: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const partial = `${path}.tmp-${process.pid}`;
  const fd = openSync(partial, "wx", 0o600);
  try {
    writeSync(fd, `${secret}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, path);
}
