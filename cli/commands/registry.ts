// `ayra-keys registry`: every key, who manages it and where it is used, as a table, CSV, Markdown or JSON.
import { Command } from "commander";
import type { Environment } from "../../core/client/types.ts";
import {
  buildRegistry,
  filterRegistry,
  type RegistryFilter,
  rowsNeedingUsage,
  withRevokedAttempts,
} from "../../core/operations/registry.ts";
import {
  REGISTRY_FORMATS,
  type RegistryFormat,
  renderRegistry,
} from "../../core/operations/registry-format.ts";
import {
  type ClusterFlags,
  durationFlag,
  type KeysSourceFlags,
  readAllKeys,
  readClusterApiKeys,
  readRevokedAttempts,
  UsageError,
} from "./registry-source.ts";

interface RegistryFlags extends KeysSourceFlags, ClusterFlags {
  format?: string;
  expiringWithin?: string;
  unusedFor?: string;
  unmanaged?: boolean;
  environment?: string;
  owner?: string;
  all?: boolean;
  revokedInUse?: boolean;
}

export const REGISTRY_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function formatOf(value: string | undefined, tty: boolean): RegistryFormat {
  if (value === undefined) return tty ? "table" : "json";
  if ((REGISTRY_FORMATS as readonly string[]).includes(value)) return value as RegistryFormat;
  throw new UsageError(
    "--format",
    `${JSON.stringify(value)} is not a format; use ${REGISTRY_FORMATS.join(", ")}`,
  );
}

function filterOf(flags: RegistryFlags): RegistryFilter {
  const filter: RegistryFilter = {};
  const expiring = durationFlag("--expiring-within", flags.expiringWithin);
  const unused = durationFlag("--unused-for", flags.unusedFor);
  if (expiring !== undefined) filter.expiringWithinMs = expiring;
  if (unused !== undefined) filter.unusedForMs = unused;
  if (flags.unmanaged) filter.unmanaged = true;
  if (flags.all) filter.all = true;
  if (flags.revokedInUse) filter.revokedInUse = true;
  if (flags.environment !== undefined) {
    if (flags.environment !== "live" && flags.environment !== "test")
      throw new UsageError(
        "--environment",
        `${JSON.stringify(flags.environment)} is not an environment; use live or test`,
      );
    filter.environment = flags.environment as Environment;
  }
  if (flags.owner !== undefined) {
    if (!/^[^\s@]+@[^\s@]+$/.test(flags.owner))
      throw new UsageError("--owner", `${JSON.stringify(flags.owner)} is not an e-mail address`);
    filter.owner = flags.owner;
  }
  return filter;
}

export async function runRegistry(flags: RegistryFlags): Promise<void> {
  const format = formatOf(flags.format, process.stdout.isTTY === true);
  const filter = filterOf(flags);
  const tty = process.stderr.isTTY === true;
  const progress = (n: number) => tty && process.stderr.write(`\rreading keys… ${n}`);
  const [keys, cluster] = await Promise.all([readAllKeys(flags, progress), readClusterApiKeys(flags)]);
  if (tty) process.stderr.write("\r\x1b[K");
  if ("note" in cluster && cluster.note) process.stderr.write(`ayra-keys registry: ${cluster.note}\n`);
  const now = Date.now();
  // Usage is one call per key: read only for the stopped keys shown (none without --all or --revoked-in-use).
  const { revokedInUse, ...rest } = filter;
  let rows = filterRegistry(
    buildRegistry({ keys, apiKeys: cluster.apiKeys }),
    { ...rest, all: rest.all || revokedInUse },
    now,
  );
  const stopped = rowsNeedingUsage(rows).map((r) => r.id);
  if (stopped.length > 0) {
    const attempts = await readRevokedAttempts(flags, stopped, (done, total) =>
      tty ? process.stderr.write(`\rreading usage of stopped keys… ${done}/${total}`) : undefined,
    );
    if (tty) process.stderr.write("\r\x1b[K");
    rows = withRevokedAttempts(rows, attempts);
  }
  if (revokedInUse) rows = filterRegistry(rows, { all: true, revokedInUse: true }, now);
  process.stdout.write(
    renderRegistry(format, {
      object: "registry",
      generated_at: new Date().toISOString(),
      cluster_joined: cluster.apiKeys !== undefined,
      data: rows,
    }),
  );
}

export function registryCommand(): Command {
  return (
    new Command("registry")
      .description("List every key: who manages it, where it is used, when it expires and was last used")
      .option("--format <format>", `${REGISTRY_FORMATS.join(", ")} (default: table on a terminal, else json)`)
      .option("--expiring-within <duration>", "only keys that stop working within this time (e.g. 14d)")
      .option(
        "--unused-for <duration>",
        "only keys not used for this long (never used: counted from creation)",
      )
      .option("--unmanaged", "only keys no controller or Pulumi stack manages")
      .option("--environment <env>", "only live or test keys")
      .option("--owner <email>", "only keys whose owner is this address (case-insensitive)")
      .option("--all", "include revoked and expired keys (their usage is read: one call each)")
      .option(
        "--revoked-in-use",
        "only revoked or expired keys still presented: something holds an old key (one usage call per stopped key)",
      )
      .option("--api-url <url>", "the keys API (default: $AYRA_API_URL)")
      .option("--api-key-file <path>", "file holding a key with api_keys:read (default: $AYRA_API_KEY)")
      .option("--kubeconfig <path>", "kubeconfig to read ApiKeys from (default: $KUBECONFIG, ~/.kube/config)")
      .option("--context <name>", "kubeconfig context (default: current-context)")
      .option("--no-cluster", "do not read ApiKeys; where used stays empty")
      .addHelpText(
        "after",
        `
Examples:
  ayra-keys registry
  ayra-keys registry --expiring-within 14d --environment live
  ayra-keys registry --unused-for 30d --format csv > unused.csv
  ayra-keys registry --owner jane@example.com --format markdown
  ayra-keys registry --unmanaged --format json | jq '.data[].id'
  ayra-keys registry --revoked-in-use                 # revoked keys something still presents

Exit codes: 0 listed (possibly no rows), 1 the keys API failed, 2 a bad flag.
Without a reachable cluster the rows still come, with a note on stderr.`,
      )
      // Commander's own usage errors (an unknown option, a stray argument) exit 2 like a bad flag value.
      .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
      .action(async (flags: RegistryFlags) => {
        try {
          await runRegistry(flags);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          process.stderr.write(`ayra-keys registry: ${error.message}\n`);
          process.exitCode = REGISTRY_EXIT.usage;
        }
      })
  );
}
