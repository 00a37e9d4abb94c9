// `ayra-keys reminders --ics FILE`: an iCalendar file with an event and an alarm before each key's expiry and
// scheduled revocation, to import (and re-import: events update) into a team calendar.
import { renameSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { DAY_MS } from "../../core/domain/durations.ts";
import { writeCalendar } from "../../core/operations/ical.ts";
import { reminderEvents, remindersCalendar } from "../../core/operations/ical-reminders.ts";
import { buildRegistry, filterRegistry } from "../../core/operations/registry.ts";
import {
  type ClusterFlags,
  durationFlag,
  type KeysSourceFlags,
  readAllKeys,
  readClusterApiKeys,
  UsageError,
} from "./registry-source.ts";

interface RemindersFlags extends KeysSourceFlags, ClusterFlags {
  ics?: string;
  lead: string;
  environment?: string;
  output?: string;
}

export const DEFAULT_LEAD = "14d";

export async function runReminders(flags: RemindersFlags): Promise<void> {
  if (!flags.ics) throw new UsageError("--ics", "name the file to write (use - for standard output)");
  const leadMs = durationFlag("--lead", flags.lead) ?? 14 * DAY_MS;
  if (flags.output !== undefined && flags.output !== "text" && flags.output !== "json")
    throw new UsageError("--output", `${JSON.stringify(flags.output)} is not an output; use text or json`);
  if (flags.environment !== undefined && flags.environment !== "live" && flags.environment !== "test")
    throw new UsageError(
      "--environment",
      `${JSON.stringify(flags.environment)} is not an environment; use live or test`,
    );
  const [keys, cluster] = await Promise.all([readAllKeys(flags, () => undefined), readClusterApiKeys(flags)]);
  if ("note" in cluster && cluster.note) process.stderr.write(`ayra-keys reminders: ${cluster.note}\n`);
  const rows = filterRegistry(
    buildRegistry({ keys, apiKeys: cluster.apiKeys }),
    flags.environment ? { environment: flags.environment } : {},
    Date.now(),
  );
  const events = reminderEvents(rows, new Map(keys.map((k) => [k.id, k.updated_at])), { leadMs });
  const text = writeCalendar(remindersCalendar(events));
  if (flags.ics === "-") process.stdout.write(text);
  else {
    // Written whole, then renamed: a calendar subscribed to the file never reads half of it.
    const partial = `${flags.ics}.partial`;
    writeFileSync(partial, text, { mode: 0o644 });
    renameSync(partial, flags.ics);
  }
  const summary = {
    file: flags.ics,
    events: events.length,
    expiries: events.filter((e) => e.uid.includes("-expiry@")).length,
    revocations: events.filter((e) => e.uid.includes("-revocation@")).length,
    lead: flags.lead,
  };
  const out = flags.ics === "-" ? process.stderr : process.stdout;
  out.write(
    flags.output === "json"
      ? `${JSON.stringify(summary)}\n`
      : `wrote ${summary.events} events (${summary.expiries} expiries, ${summary.revocations} scheduled revocations) with alarms ${flags.lead} before to ${flags.ics}\n`,
  );
}

export function remindersCommand(): Command {
  return (
    new Command("reminders")
      .description(
        "Write an iCalendar file with an event and an alarm before each key's expiry and scheduled revocation",
      )
      .option("--ics <file>", "the .ics file to write (- for standard output)")
      .option("--lead <duration>", "how long before each event the alarm goes off", DEFAULT_LEAD)
      .option("--environment <env>", "only live or test keys")
      .option("--output <format>", "text or json: the summary line")
      .option("--api-url <url>", "the keys API (default: $AYRA_API_URL)")
      .option("--api-key-file <path>", "file holding a key with api_keys:read (default: $AYRA_API_KEY)")
      .option("--kubeconfig <path>", "kubeconfig to read ApiKeys from, for where each key is used")
      .option("--context <name>", "kubeconfig context (default: current-context)")
      .option("--no-cluster", "do not read ApiKeys")
      .addHelpText(
        "after",
        `
Examples:
  ayra-keys reminders --ics keys.ics
  ayra-keys reminders --ics keys.ics --lead 30d --environment live
  ayra-keys reminders --ics - --lead 7d > keys.ics

Each event's UID is <key id>-expiry@ayra-keys or <key id>-revocation@ayra-keys: importing a newer file updates
the events instead of duplicating them.
Exit codes: 0 written, 1 the keys API failed or the file could not be written, 2 a bad flag.`,
      )
      // Commander's own usage errors (an unknown option, a stray argument) exit 2 like a bad flag value.
      .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
      .action(async (flags: RemindersFlags) => {
        try {
          await runReminders(flags);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          process.stderr.write(`ayra-keys reminders: ${error.message}\n`);
          process.exitCode = 2;
        }
      })
  );
}
