// Real headless Chromium for the dashboard tests: Debian's `chromium`, driven by playwright-core (which
// downloads no browser). Missing, it fails the run with the command that installs it — never a skip.
import { spawnSync } from "node:child_process";
import { type Browser, chromium } from "playwright-core";
import { type Prerequisite, PrerequisiteMissingError, requireCommand } from "./prerequisites.ts";

export const CHROMIUM: Prerequisite = {
  commands: ["chromium"],
  versionArgs: ["--version"],
  neededFor: "the dashboard's browser tests (headless Chromium driven by playwright-core)",
  install: "apt-get install -y chromium",
};

/** The Chromium executable's path: AYRA_KEYS_CHROMIUM when set, else `chromium` on PATH. */
export function chromiumPath(): string {
  const override = process.env.AYRA_KEYS_CHROMIUM;
  if (override) return override;
  const command = requireCommand(CHROMIUM);
  const found = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).stdout.trim();
  if (!found) throw new PrerequisiteMissingError([CHROMIUM]);
  return found;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true });
}
