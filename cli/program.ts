// The `ayra-keys` command line: one commander program, each command in a module of its own.
import { Command } from "commander";
import { backupCommand } from "./commands/backup.ts";
import { controllerCommand } from "./commands/controller.ts";
import { crdCommand } from "./commands/crd.ts";
import { devCommand } from "./commands/dev.ts";
import { incidentCommand } from "./commands/incident.ts";
import { keyringCommand } from "./commands/keyring.ts";
import { offboardCommand } from "./commands/offboard.ts";
import { registryCommand } from "./commands/registry.ts";
import { remindersCommand } from "./commands/reminders.ts";
import { reviewCommand } from "./commands/review.ts";
import { revokeCommand } from "./commands/revoke.ts";
import { rotateCommand } from "./commands/rotate.ts";
import { serveCommand } from "./commands/serve.ts";
import { sweepCommand } from "./commands/sweep.ts";
import { packageVersion } from "./version.ts";

export function buildProgram(): Command {
  const program = new Command("ayra-keys")
    .description(
      "Declarative Ayra API keys: a keys service, a Kubernetes controller, a Pulumi provider and a PR reviewer.",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: true });
  program.addCommand(devCommand());
  program.addCommand(serveCommand());
  program.addCommand(keyringCommand());
  program.addCommand(backupCommand());
  program.addCommand(controllerCommand());
  program.addCommand(crdCommand());
  program.addCommand(reviewCommand());
  for (const c of [
    registryCommand(),
    remindersCommand(),
    rotateCommand(),
    revokeCommand(),
    incidentCommand(),
    offboardCommand(),
    sweepCommand(),
  ])
    program.addCommand(c);
  return program;
}
