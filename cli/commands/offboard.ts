import { createInterface } from "node:readline/promises";
import { Command } from "commander";
import type { ApiKey } from "../../core/client/types.ts";
import { maskKeyLiterals } from "../../core/domain/index.ts";
import {
  normaliseOwner,
  type OffboardItem,
  type OffboardSummary,
  OwnerEmailError,
  planOffboard,
} from "../../core/operations/offboard.ts";
import {
  addConnectionOptions,
  carryOut,
  EXIT,
  EXIT_CODES_HELP,
  exitCodeFor,
  type OpsContext,
  type OpsFlags,
  openContext,
  parseGrace,
  requestIdsLine,
} from "./rotate-context.ts";

type OffboardFlags = OpsFlags & { owner: string; yes?: boolean; inUseWindow: string };

/** `ayra-keys offboard --owner EMAIL`: the seed's "Employee Departure". */
export function offboardCommand(): Command {
  const command = new Command("offboard")
    .description(
      "someone left: plan for every working key they own (metadata owner) — revoke (employee_departure) where nothing depends on it, rotate ApiKeys, refuse Pulumi keys with the command to run — show it, confirm, carry it out",
    )
    .requiredOption(
      "--owner <email>",
      "the person, as recorded in the keys' owner metadata (case-insensitive)",
    )
    .option("--yes", "carry the plan out without asking (needed without a terminal)")
    .option(
      "--in-use-window <duration>",
      "an unmanaged key used this recently is left for review, not revoked",
      "30d",
    );
  addConnectionOptions(command).addHelpText(
    "after",
    `
Examples:
  ayra-keys offboard --owner alice@example.com --dry-run
  ayra-keys offboard --owner alice@example.com              # shows the plan, asks y/N
  ayra-keys offboard --owner alice@example.com --yes --output json
${EXIT_CODES_HELP}
  (offboard: 1 when any step failed; 3 when every step succeeded but some keys were refused — run the printed commands)`,
  );
  return command.action(async (flags: OffboardFlags) => {
    process.exitCode = await runOffboard(flags);
  });
}

async function runOffboard(flags: OffboardFlags): Promise<number> {
  const json = flags.output === "json";
  const out = (line: string) => !json && process.stdout.write(`${line}\n`);
  let ctx: OpsContext | undefined;
  try {
    const owner = normaliseOwner(flags.owner);
    const inUseWindowMs = parseGrace(flags.inUseWindow, "--in-use-window");
    ctx = await openContext(flags);
    const keys: ApiKey[] = [];
    for (const status of ["active", "expiring"] as const)
      for await (const k of ctx.keys.listAllKeys({ status, limit: 100 })) {
        keys.push(k);
        if (keys.length % 1000 === 0) ctx.progress(`  read ${keys.length} keys…`);
      }
    const plan = planOffboard(keys, owner, { now: new Date(), inUseWindowMs });
    const result: Record<string, unknown> = {
      command: "offboard",
      owner,
      dry_run: flags.dryRun === true,
      plan,
    };
    out(describePlan(owner, plan));
    const actionable = plan.filter((i) => i.step !== undefined);
    if (flags.dryRun || actionable.length === 0) {
      if (flags.dryRun) out("Dry run: nothing changed.");
      return finish(flags, result, ctx, plan.some((i) => i.action === "refuse") ? EXIT.refused : EXIT.ok);
    }
    if (!flags.yes) {
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        process.stderr.write(
          `ayra-keys offboard: not confirmed: ${actionable.length} change(s) planned and no terminal to ask on; review the plan (--dry-run) and pass --yes\n`,
        );
        return finish(flags, result, ctx, EXIT.notConfirmed);
      }
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`Carry out ${actionable.length} change(s)? [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        out("Not confirmed: nothing changed.");
        return finish(flags, result, ctx, EXIT.notConfirmed);
      }
    }
    const summary: OffboardSummary = { revoked: 0, rotated: 0, refused: 0, review: 0, failed: 0 };
    const results: Record<string, unknown>[] = [];
    let n = 0;
    for (const item of plan) {
      const first = item.keys[0]?.id ?? "";
      if (item.action === "refuse" || item.action === "review") {
        summary[item.action === "refuse" ? "refused" : "review"]++;
        results.push({ key_ids: item.keys.map((k) => k.id), action: item.action, outcome: "left" });
        continue;
      }
      if (!item.step) continue;
      n++;
      ctx.progress(`[${n}/${actionable.length}] ${item.action} ${first} (${item.keys[0]?.name ?? ""})`);
      try {
        const r = await carryOut(ctx, item.step, { keyId: first });
        summary[item.action === "revoke" ? "revoked" : "rotated"]++;
        results.push({ key_ids: item.keys.map((k) => k.id), action: item.action, outcome: "done", ...r });
      } catch (error) {
        summary.failed++;
        const message = maskKeyLiterals(error instanceof Error ? error.message : String(error));
        ctx.progress(`  failed: ${message}`);
        results.push({
          key_ids: item.keys.map((k) => k.id),
          action: item.action,
          outcome: "failed",
          error: message,
        });
      }
    }
    Object.assign(result, { results, summary });
    out(
      `Done: ${summary.revoked} revoked, ${summary.rotated} rotated (the controller finishes them), ${summary.refused} refused, ${summary.review} left for review, ${summary.failed} failed.`,
    );
    const code = summary.failed > 0 ? EXIT.failed : summary.refused > 0 ? EXIT.refused : EXIT.ok;
    return finish(flags, result, ctx, code);
  } catch (error) {
    const code = error instanceof OwnerEmailError ? EXIT.usage : exitCodeFor(error);
    const message = maskKeyLiterals(error instanceof Error ? error.message : String(error));
    process.stderr.write(`ayra-keys offboard: ${message}\n`);
    if (json)
      process.stdout.write(
        `${JSON.stringify({ command: "offboard", error: { message, exit_code: code } })}\n`,
      );
    return code;
  } finally {
    ctx?.close();
  }
}

function describePlan(owner: string, plan: readonly OffboardItem[]): string {
  if (plan.length === 0) return `${owner} owns no working key.`;
  const lines = [`${owner} owns ${plan.reduce((n, i) => n + i.keys.length, 0)} working key(s):`];
  for (const item of plan) {
    const ids = item.keys
      .map(
        (k) =>
          `${k.id} ${JSON.stringify(k.name)} ${k.redacted}${k.status === "active" ? "" : ` (${k.status})`}`,
      )
      .join(", ");
    lines.push(`  ${item.action.toUpperCase().padEnd(7)} ${ids}\n          ${item.why}`);
    for (const c of item.commands) lines.push(`          ${c.startsWith("#") ? c : `$ ${c}`}`);
  }
  return lines.join("\n");
}

function finish(
  flags: OffboardFlags,
  result: Record<string, unknown>,
  ctx: OpsContext,
  code: number,
): number {
  result.request_ids = ctx.requests;
  result.exit_code = code;
  if (flags.output === "json") process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const ids = requestIdsLine(ctx.requests.filter((r) => r.operation !== "listApiKeys"));
    if (ids) process.stdout.write(`${ids}\n`);
  }
  return code;
}
