import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Command } from "commander";
import type { ApiKey, AuditEvent } from "../../core/client/types.ts";
import { planIncident } from "../../core/operations/runbook.ts";
import { addConnectionOptions, EXIT_CODES_HELP, type OpsContext, type OpsFlags } from "./rotate-context.ts";
import { runRunbook } from "./rotate-run.ts";

type IncidentFlags = OpsFlags & { export?: string; wait: boolean; timeout: string };

/** `ayra-keys incident NAME|ID`: the seed's "API Key Security Incidents" runbook. */
export function incidentCommand(): Command {
  const command = new Command("incident")
    .description(
      "a key is compromised: revoke it now (reason compromised), replace it where it is managed, restart its consumers, and export its usage, audit trail and request ids to a JSON file for support",
    )
    .argument("<NAME|ID>", "the key's id (key_…) or its exact name")
    .option("--export <file>", "where the report for support goes (default: ./incident-<key id>-<time>.json)")
    .option("--no-wait", "ApiKeys: do not follow the controller's replacement and restarts")
    .option("--timeout <duration>", "how long to follow the controller", "5m");
  addConnectionOptions(command).addHelpText(
    "after",
    `
The report holds the key's record (redacted), its hourly usage, every audit event with its request id and
address, and the request ids of this command's own calls; never a key value.

Examples:
  ayra-keys incident "Production Web Application" --dry-run
  ayra-keys incident key_0123456789abcdefABCDEF01 --export incident.json
${EXIT_CODES_HELP}`,
  );
  return command.action(async (reference: string, flags: IncidentFlags) => {
    process.exitCode = await runRunbook({
      command: "incident",
      reference,
      flags,
      plan: (key, owner, now) => planIncident(key, owner, { now }),
      after: async (ctx, key, result) => {
        const file = resolve(
          flags.export ?? `incident-${key.id}-${new Date().toISOString().replace(/[:.]/g, "")}.json`,
        );
        await writeFile(file, `${JSON.stringify(await incidentReport(ctx, key, result), null, 2)}\n`, {
          mode: 0o600,
        });
        if (flags.output === "text") process.stdout.write(`Report for support written to ${file}.\n`);
        return { export: file };
      },
    });
  });
}

/** What support needs about a compromised key: who used it when, what was done to it, and the ids to trace. */
async function incidentReport(ctx: OpsContext, key: ApiKey, result: Record<string, unknown>) {
  const record = await ctx.keys.getKey(key.id);
  const usage = await ctx.keys.getUsage(key.id);
  const audit: AuditEvent[] = [];
  for await (const event of ctx.keys.listAllAuditEvents({ key_id: key.id, limit: 100 })) audit.push(event);
  return {
    object: "incident_report",
    generated_at: new Date().toISOString(),
    key: record,
    managed_by: result.managed_by,
    actions: result.done ?? [],
    replacement_key_id:
      (result.done as { new_key_id?: string }[] | undefined)?.find((d) => d.new_key_id)?.new_key_id ?? null,
    usage,
    audit_events: audit,
    request_ids: {
      audit: audit.map((e) => e.request_id).filter((id) => id !== null),
      this_command: ctx.requests.map((r) => r.request_id).filter((id) => id !== null),
    },
  };
}
