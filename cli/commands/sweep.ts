// `ayra-keys sweep`: keys minted by ayra-keys whose owner no longer exists (an ApiKey deleted while no controller
// ran, a Pulumi stack removed without `destroy`, a slot a crashed update left). A dry run unless --revoke.
// Gathers (keys, the cluster's ApiKeys and id, the Pulumi stacks), core/operations/sweep.ts decides, this acts.
import { createInterface } from "node:readline/promises";
import { Command, Option } from "commander";
import { revokeUnlessGone } from "../../core/client/revoke-unless-gone.ts";
import type { ApiKey } from "../../core/client/types.ts";
import { maskKeyLiterals } from "../../core/domain/index.ts";
import { effectiveMinAge, summarize, sweep, UNREAD_SOURCE_REASONS } from "../../core/operations/sweep.ts";
import {
  type RevocationOutcome,
  type SweepDocument,
  summaryLine,
  sweepTable,
} from "../../core/operations/sweep-format.ts";
import { durationFlag, UsageError as FlagError, readClusterApiKeys } from "./registry-source.ts";
import { EXIT, exitCodeFor, type OpsContext, openContext, requestIdsLine } from "./rotate-context.ts";
import { readPulumi } from "./sweep-pulumi.ts";

/** The operating commands' codes (rotate-context.ts EXIT), and two of the sweep's own. */
export const SWEEP_EXIT = { ...EXIT, straysFound: 6, sourceUnread: 7 } as const;

export interface SweepFlags {
  apiUrl?: string;
  apiKeyFile?: string;
  kubeconfig?: string;
  context?: string;
  cluster: boolean;
  clusterId?: string;
  pulumiBackend?: string;
  pulumiCli: string;
  minAge: string;
  revoke?: boolean;
  yes?: boolean;
  output: "text" | "json";
}

export function sweepCommand(): Command {
  return new Command("sweep")
    .description(
      "find keys minted by ayra-keys whose ApiKey or Pulumi stack no longer exists; --revoke revokes them (reason unused)",
    )
    .option("--revoke", "revoke the strays found (default: a dry run that changes nothing)")
    .option("--yes", "with --revoke: do not ask (needed without a terminal)")
    .option(
      "--min-age <duration>",
      "leave keys minted this recently: their update may still be running",
      "1h",
    )
    .option("--cluster-id <id>", "the id the controller records on keys (default: the uid of kube-system)")
    .option("--kubeconfig <file>", "the cluster whose ApiKeys own controller keys (default: $KUBECONFIG)")
    .option("--context <name>", "kubeconfig context (default: current-context)")
    .option("--no-cluster", "do not read a cluster: controller keys are all unknown")
    .option("--pulumi-backend <url>", "the backend holding the stacks (default: $PULUMI_BACKEND_URL)")
    .option("--pulumi-cli <path>", "the pulumi CLI to read stacks with", "pulumi")
    .option("--api-url <url>", "the keys API (default: $AYRA_API_URL)")
    .option(
      "--api-key-file <file>",
      "a key with api_keys:read, and api_keys:write for --revoke (default: $AYRA_API_KEY)",
    )
    .addOption(
      new Option("--output <format>", "text, or json for scripts").choices(["text", "json"]).default("text"),
    )
    .addHelpText(
      "after",
      `
A key is stray when its owner is proven gone: its ApiKey's uid is not in this cluster (and the ApiKey said
deletionPolicy Revoke), or its stack is not in the backend's listing, or its stack holds no resource with it.
Anything that could not be read (the cluster, the backend, a stack) makes its keys unknown, never stray.
Keys of another cluster id and unmanaged keys are not judged. Revoked and expired keys are skipped.

Examples:
  ayra-keys sweep                                        # dry run: what is stray, and why
  ayra-keys sweep --pulumi-backend s3://acme-pulumi-state --kubeconfig ~/.kube/prod
  ayra-keys sweep --revoke                               # asks before revoking
  ayra-keys sweep --revoke --yes --output json | jq '.revocations'

Exit codes:
  0  nothing stray is left (none found, or all revoked), and every source was read
  1  a call failed (listing keys, or a revocation); the request ids are printed
  2  bad input (a flag)
  5  not confirmed (--revoke without a terminal and without --yes, or answered no)
  6  strays found and left (a dry run)
  7  nothing stray is left, but some keys could not be judged: the cluster or a Pulumi backend or stack was unreadable`,
    )
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage))
    .action(async (flags: SweepFlags) => {
      process.exitCode = await runSweep(flags);
    });
}

export async function runSweep(flags: SweepFlags): Promise<number> {
  const json = flags.output === "json";
  let ctx: OpsContext | undefined;
  try {
    const minAgeMs = effectiveMinAge(durationFlag("--min-age", flags.minAge) ?? 0);
    if (flags.clusterId !== undefined && flags.clusterId.trim() === "")
      throw new FlagError("--cluster-id", "is empty");
    ctx = await openContext({ ...flags, output: flags.output });
    const tty = process.stderr.isTTY === true;
    const progress = (line: string) => tty && ctx?.progress(line);
    const keys: ApiKey[] = [];
    // One pass over every key, the stopped ones dropped here: two passes filtered by status cost twice as much.
    let seen = 0;
    for await (const k of ctx.keys.listAllKeys({ limit: 100 })) {
      if (k.status === "active" || k.status === "expiring") keys.push(k);
      if (++seen % 1000 === 0) progress(`read ${seen} keys…`);
    }
    const [cluster, pulumi] = await Promise.all([
      readClusterApiKeys(flags, {
        clusterId: flags.clusterId === undefined,
        lost: "controller keys not judged",
      }),
      readPulumi(keys, {
        backend: flags.pulumiBackend ?? process.env.PULUMI_BACKEND_URL,
        cli: flags.pulumiCli,
        progress,
      }),
    ]);
    const clusterNote = flags.cluster
      ? "note" in cluster
        ? (cluster.note ?? "not read")
        : cluster.apiKeys !== undefined && flags.clusterId === undefined && cluster.clusterId === undefined
          ? `${cluster.clusterIdNote ?? "kube-system not read"}: pass --cluster-id`
          : undefined
      : "not read (--no-cluster)";
    const clusterId = flags.clusterId ?? ("clusterId" in cluster ? cluster.clusterId : undefined);
    const findings = sweep({
      keys,
      cluster: { clusterId, apiKeys: cluster.apiKeys, ...(clusterNote ? { why: clusterNote } : {}) },
      pulumi,
      now: Date.now(),
      minAgeMs,
    });
    const listed = findings.filter((f) => f.verdict === "stray" || f.verdict === "unknown");
    const strays = findings.filter((f) => f.verdict === "stray");
    const summary = summarize(findings);
    const doc: SweepDocument = {
      object: "sweep",
      generated_at: new Date().toISOString(),
      dry_run: !flags.revoke,
      min_age_seconds: minAgeMs / 1000,
      cluster: { id: clusterId ?? null, read: cluster.apiKeys !== undefined, note: clusterNote ?? null },
      pulumi: {
        backend: pulumi.backend ?? null,
        read: !("unreadable" in pulumi),
        note: "unreadable" in pulumi ? pulumi.unreadable : null,
      },
      summary,
      data: listed,
      revocations: [],
      request_ids: [],
      exit_code: 0,
    };
    const out = (text: string) => !json && process.stdout.write(text);
    out(sweepTable(listed));
    out(`${summaryLine(summary)}\n`);
    if (doc.cluster.note && !json) process.stderr.write(`ayra-keys sweep: cluster: ${doc.cluster.note}\n`);
    const unread = listed.some((f) => UNREAD_SOURCE_REASONS.has(f.reason));
    let code: number = unread ? SWEEP_EXIT.sourceUnread : SWEEP_EXIT.ok;
    if (strays.length > 0 && !flags.revoke) {
      out(`Dry run: nothing changed. Revoke the ${strays.length} stray key(s) with --revoke.\n`);
      code = SWEEP_EXIT.straysFound;
    }
    if (strays.length > 0 && flags.revoke) {
      if (!(await confirmed(flags, strays.length))) {
        out("Not confirmed: nothing changed.\n");
        return finish(doc, ctx, SWEEP_EXIT.notConfirmed, json);
      }
      let i = 0;
      for (const stray of strays) {
        ctx.progress(`[${++i}/${strays.length}] revoking ${stray.id} ${JSON.stringify(stray.name)} (unused)`);
        try {
          const done = await revokeUnlessGone(ctx.keys, stray.id, { reason: "unused" });
          doc.revocations.push({ id: stray.id, outcome: done === undefined ? "already_gone" : "revoked" });
        } catch (error) {
          const message = maskKeyLiterals(error instanceof Error ? error.message : String(error));
          ctx.progress(`  failed: ${message}`);
          doc.revocations.push({ id: stray.id, outcome: "failed", error: message });
        }
      }
      const count = (o: RevocationOutcome["outcome"]) =>
        doc.revocations.filter((r) => r.outcome === o).length;
      out(
        `Revoked ${count("revoked")} of ${strays.length} stray key(s) (reason unused); ${count("already_gone")} already gone, ${count("failed")} failed.\n`,
      );
      if (count("failed") > 0) code = SWEEP_EXIT.failed;
    }
    return finish(doc, ctx, code, json);
  } catch (error) {
    const code = error instanceof FlagError ? EXIT.usage : exitCodeFor(error);
    const message = maskKeyLiterals(error instanceof Error ? error.message : String(error));
    process.stderr.write(`ayra-keys sweep: ${message}\n`);
    const ids = ctx ? requestIdsLine(ctx.requests) : "";
    if (ids) process.stderr.write(`${ids}\n`);
    if (json)
      process.stdout.write(`${JSON.stringify({ object: "sweep", error: { message, exit_code: code } })}\n`);
    return code;
  } finally {
    ctx?.close();
  }
}

async function confirmed(flags: SweepFlags, count: number): Promise<boolean> {
  if (flags.yes) return true;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    process.stderr.write(
      `ayra-keys sweep: not confirmed: ${count} key(s) to revoke and no terminal to ask on; review the dry run and pass --yes\n`,
    );
    return false;
  }
  // The question goes to stderr: stdout stays the result.
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`Revoke ${count} stray key(s) with reason unused? [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

function finish(doc: SweepDocument, ctx: OpsContext, code: number, json: boolean): number {
  doc.request_ids = ctx.requests.filter((r) => r.operation !== "listApiKeys");
  doc.exit_code = code;
  if (json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else {
    const ids = requestIdsLine(doc.request_ids);
    if (ids) process.stdout.write(`${ids}\n`);
  }
  return code;
}
