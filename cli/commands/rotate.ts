import { Command } from "commander";
import { planRotate } from "../../core/operations/runbook.ts";
import { addConnectionOptions, EXIT_CODES_HELP, type OpsFlags, parseGrace } from "./rotate-context.ts";
import { runRunbook } from "./rotate-run.ts";

type RotateFlags = OpsFlags & {
  grace: string;
  wait?: boolean;
  timeout: string;
  secretFile?: string;
  printSecret?: boolean;
};

/** `ayra-keys rotate NAME|ID`: the seed's "Rotating API Keys" in one command, wherever the key is managed. */
export function rotateCommand(): Command {
  const command = new Command("rotate")
    .description(
      "rotate a key: an ApiKey through its keys.ayra.ai/rotate annotation, an unmanaged key through the keys API (roll); a Pulumi key is refused with the `pulumi up` to run",
    )
    .argument("<NAME|ID>", "the key's id (key_…) or its exact name")
    .option("--grace <duration>", "unmanaged keys: how long the old key keeps working (0s: at once)", "7d")
    .option(
      "--wait",
      "ApiKeys: follow the controller until the new key is in the Secret and restart targets rolled out",
    )
    .option("--timeout <duration>", "how long --wait waits", "5m")
    .option(
      "--secret-file <file>",
      "unmanaged keys: write the new key here (mode 0600); it is shown only once",
    )
    .option("--print-secret", "unmanaged keys: print the new key on stdout instead (shown only once)");
  addConnectionOptions(command).addHelpText(
    "after",
    `
Examples:
  ayra-keys rotate "Production Web Application" --dry-run
  ayra-keys rotate key_0123456789abcdefABCDEF01 --wait          # an ApiKey: until pods run the new key
  ayra-keys rotate "Zapier Integration" --grace 24h --secret-file new-key.txt
  ayra-keys rotate web --output json | jq -r '.request_ids[].request_id'
${EXIT_CODES_HELP}`,
  );
  return command.action(async (reference: string, flags: RotateFlags) => {
    process.exitCode = await runRunbook({
      command: "rotate",
      reference,
      flags,
      validate: () => parseGrace(flags.grace),
      plan: (key, owner, now) => planRotate(key, owner, { graceMs: parseGrace(flags.grace), now }),
    });
  });
}
