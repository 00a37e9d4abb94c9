// One runbook from NAME|ID to result: find the key and its manager, plan (core/operations/runbook.ts), show or
// refuse or carry out, follow the controller with --wait, and print what was done with its request ids.
import { writeFile } from "node:fs/promises";
import { isNotFound } from "../../controller/kube/rest.ts";
import { type ApiKeyObject, paths } from "../../controller/reconcile/objects.ts";
import type { ApiKey } from "../../core/client/types.ts";
import { maskKeyLiterals } from "../../core/domain/index.ts";
import { describeStep, type RunbookPlan, refusalOf } from "../../core/operations/runbook.ts";
import { describeOwner, type KeyOwner, keyOwner } from "../../core/operations/target.ts";
import {
  carryOut,
  EXIT,
  exitCodeFor,
  findKey,
  type OpsContext,
  type OpsFlags,
  openContext,
  parseGrace,
  requestIdsLine,
  type StepResult,
  UsageError,
} from "./rotate-context.ts";
import { waitForRotation } from "./rotate-wait.ts";

export interface RunbookRun {
  command: "rotate" | "revoke" | "incident";
  reference: string;
  flags: OpsFlags & { wait?: boolean; timeout?: string; secretFile?: string; printSecret?: boolean };
  /** Checks the flags before anything is read or changed (bad input exits 2). */
  validate?(): void;
  plan(key: ApiKey, owner: KeyOwner, now: Date): RunbookPlan;
  /** After the steps (incident: the export for support); may add fields to the JSON result. */
  after?(ctx: OpsContext, key: ApiKey, result: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export async function runRunbook(run: RunbookRun): Promise<number> {
  const { flags } = run;
  const out = (line: string) => flags.output === "text" && process.stdout.write(`${line}\n`);
  let ctx: OpsContext | undefined;
  try {
    run.validate?.();
    const timeoutMs = parseGrace(flags.timeout ?? "5m", "--timeout");
    ctx = await openContext(flags);
    const key = await findKey(ctx.keys, run.reference);
    const owner = keyOwner(key);
    const plan = run.plan(key, owner, new Date());
    const result: Record<string, unknown> = {
      command: run.command,
      dry_run: flags.dryRun === true,
      key: {
        id: key.id,
        name: key.name,
        environment: key.environment,
        status: key.status,
        redacted: key.redacted,
      },
      managed_by: owner,
      plan: plan.steps,
      follow_up: plan.followUp,
    };
    out(
      `${key.id} (${JSON.stringify(key.name)}, ${key.redacted}, ${key.status}) is managed by ${describeOwner(owner)}.`,
    );
    let oldKeyId = key.id;
    if (owner.kind === "controller" && plan.steps.some((s) => s.kind === "annotate")) {
      const rest = await ctx.kube();
      const obj = await rest.get<ApiKeyObject>(paths.apiKey(owner.namespace, owner.name)).catch((e) => {
        if (isNotFound(e)) return undefined;
        throw e;
      });
      if (obj === undefined)
        throw new UsageError(
          `ApiKey ${owner.namespace}/${owner.name} (the owner of ${key.id}${owner.cluster ? `, cluster ${owner.cluster}` : ""}) is not in the cluster your kubeconfig points at: pass --kubeconfig/--context for that cluster`,
        );
      oldKeyId = obj.status?.keyId ?? key.id;
    }
    const refusal = refusalOf(plan);
    if (refusal) {
      result.refused = { why: refusal.why, commands: refusal.commands };
      out(`Refused: ${refusal.why}\nRun instead:\n${refusal.commands.map((c) => `  ${c}`).join("\n")}`);
      return finish(flags, result, ctx, EXIT.refused);
    }
    const work = plan.steps.filter((s) => s.kind === "annotate" || s.kind === "roll" || s.kind === "revoke");
    if (flags.dryRun) {
      out(`Dry run: nothing changed. Would:\n${plan.steps.map((s) => `  ${describeStep(s)}`).join("\n")}`);
      if (plan.followUp.length) out(`Then run:\n${plan.followUp.map((c) => `  ${c}`).join("\n")}`);
      return finish(flags, result, ctx, EXIT.ok);
    }
    if (work.some((s) => s.kind === "roll") && !flags.secretFile && !flags.printSecret)
      throw new UsageError(
        `${key.id} is unmanaged: its new value is shown once, so say where it goes — --secret-file FILE (written mode 0600) or --print-secret`,
      );
    const done: StepResult[] = [];
    let code: number = EXIT.ok;
    for (const step of plan.steps) {
      if (step.kind === "nothing") out(`Nothing to do: ${step.why}`);
      if (step.kind !== "annotate" && step.kind !== "roll" && step.kind !== "revoke") continue;
      ctx.progress(`→ ${describeStep(step)}`);
      const r = await carryOut(ctx, step, {
        keyId: key.id,
        writeSecret: async (value) => {
          if (flags.secretFile) await writeFile(flags.secretFile, `${value}\n`, { mode: 0o600 });
          else process.stdout.write(`New key (shown once, store it now): ${value}\n`);
        },
      });
      done.push(r);
      if (r.step === "roll")
        out(
          `Rolled: ${key.id} → ${r.new_key_id}${flags.secretFile ? ` (value written to ${flags.secretFile})` : ""}.`,
        );
      if (r.step === "revoke")
        out(r.revoked ? `Revoked ${key.id} (reason ${r.reason}).` : `${key.id} was already gone.`);
      if (r.step === "annotate" && step.kind === "annotate") {
        out(`Annotated ApiKey ${step.namespace}/${step.name}: ${step.annotation}=${step.value}.`);
        if (flags.wait) {
          const waited = await waitForRotation(await ctx.kube(), {
            namespace: step.namespace,
            name: step.name,
            oldKeyId,
            timeoutMs,
            progress: ctx.progress,
          });
          r.new_key_id = waited.newKeyId === oldKeyId ? undefined : waited.newKeyId;
          result.wait = {
            done: waited.done,
            secret: waited.secret,
            rolled_out: waited.rolledOut,
            waiting_for: waited.waitingFor ?? null,
          };
          if (!waited.done) {
            out(`Timed out waiting for ${waited.waitingFor}; the controller carries on.`);
            code = EXIT.timedOut;
          } else out(`Done: ${waited.newKeyId} is in Secret ${waited.secret}.`);
        } else out("The controller does the rest; follow it with --wait, or `kubectl get apikey -w`.");
      }
    }
    result.done = done;
    if (plan.followUp.length) out(`Now run:\n${plan.followUp.map((c) => `  ${c}`).join("\n")}`);
    Object.assign(result, (await run.after?.(ctx, key, result)) ?? {});
    return finish(flags, result, ctx, code);
  } catch (error) {
    const code = exitCodeFor(error);
    const message = maskKeyLiterals(error instanceof Error ? error.message : String(error));
    process.stderr.write(`ayra-keys ${run.command}: ${message}\n`);
    const ids = ctx ? requestIdsLine(ctx.requests) : "";
    if (ids) process.stderr.write(`${ids}\n`);
    if (flags.output === "json")
      process.stdout.write(
        `${JSON.stringify({ command: run.command, error: { message, exit_code: code }, request_ids: ctx?.requests ?? [] })}\n`,
      );
    return code;
  } finally {
    ctx?.close();
  }
}

function finish(flags: OpsFlags, result: Record<string, unknown>, ctx: OpsContext, code: number): number {
  result.request_ids = ctx.requests;
  result.exit_code = code;
  if (flags.output === "json") process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const ids = requestIdsLine(ctx.requests);
    if (ids) process.stdout.write(`${ids}\n`);
  }
  return code;
}
