import { Command } from "commander";

/** `ayra-keys dev`: the local stack on embedded defaults, and what to try next. */
export function devCommand(): Command {
  return new Command("dev")
    .description("start the local stack on embedded defaults (what exists so far) and say what to try")
    .action(() => {
      process.stdout.write("ayra-keys dev: nothing to start yet.\n");
    });
}
