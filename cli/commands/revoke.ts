import { Command } from "commander";
import { parseReason, planRevoke, REVOCATION_REASONS } from "../../core/operations/runbook.ts";
import { addConnectionOptions, EXIT_CODES_HELP, type OpsFlags } from "./rotate-context.ts";
import { runRunbook } from "./rotate-run.ts";

type RevokeFlags = OpsFlags & { reason: string; wait?: boolean; timeout: string };

/** `ayra-keys revoke NAME|ID --reason R`: the seed's "Revoking API Keys". */
export function revokeCommand(): Command {
  const command = new Command("revoke")
    .description(
      "revoke a key at once with a reason: an unmanaged key through the keys API; an ApiKey only with --reason compromised (replaced and revoked by the controller); a Pulumi key is refused with the command to run",
    )
    .argument("<NAME|ID>", "the key's id (key_…) or its exact name")
    .requiredOption("--reason <reason>", `why: ${REVOCATION_REASONS.join(", ")}`)
    .option(
      "--wait",
      "ApiKeys (--reason compromised): follow the controller until the new key is in the Secret",
    )
    .option("--timeout <duration>", "how long --wait waits", "5m");
  addConnectionOptions(command).addHelpText(
    "after",
    `
Examples:
  ayra-keys revoke "Old Zapier Integration" --reason unused --dry-run
  ayra-keys revoke key_0123456789abcdefABCDEF01 --reason project_ended
  ayra-keys revoke web-api --reason compromised --wait      # an ApiKey: replaced, old key revoked at once
${EXIT_CODES_HELP}`,
  );
  return command.action(async (reference: string, flags: RevokeFlags) => {
    process.exitCode = await runRunbook({
      command: "revoke",
      reference,
      flags,
      validate: () => parseReason(flags.reason),
      plan: (key, owner, now) => planRevoke(key, owner, { reason: parseReason(flags.reason), now }),
    });
  });
}
