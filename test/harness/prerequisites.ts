// The tools the tests run besides Node and the Go-built counterparts. A missing one fails the run with the
// command that installs it — never a skipped test. README.md lists the same tools; .ci/run installs them.
import { spawnSync } from "node:child_process";

export interface Prerequisite {
  /** Names to try on PATH, in order (e.g. lua5.1, then lua). */
  commands: readonly string[];
  /** Arguments that make it print its version and exit 0. */
  versionArgs: readonly string[];
  /** What needs it, for the message. */
  neededFor: string;
  /** The command that installs it. */
  install: string;
}

export const PREREQUISITES = {
  lua: {
    commands: ["lua5.1", "lua"],
    versionArgs: ["-v"],
    neededFor: "the Argo CD health check tests (deploy/argocd/health.lua)",
    install: "apt-get install -y lua5.1",
  },
  git: {
    commands: ["git"],
    versionArgs: ["--version"],
    neededFor: "the review tests (they make repositories and review commits)",
    install: "apt-get install -y git",
  },
  openssl: {
    commands: ["openssl"],
    versionArgs: ["version"],
    neededFor: "the test control plane's client certificates",
    install: "apt-get install -y openssl",
  },
  postgresql: {
    commands: ["pg_config"],
    versionArgs: ["--version"],
    neededFor: "the keys service tests on PostgreSQL",
    install: "apt-get install -y postgresql",
  },
} as const satisfies Record<string, Prerequisite>;

/** A tool the tests need is not on PATH; the message gives the command that installs it. */
export class PrerequisiteMissingError extends Error {
  constructor(missing: readonly Prerequisite[]) {
    super(
      missing
        .map(
          (p) =>
            `\`${p.commands[0]}\` is needed for ${p.neededFor} and is not on PATH: install it with \`${p.install}\` (.ci/run does).`,
        )
        .join("\n"),
    );
    this.name = "PrerequisiteMissingError";
  }
}

/** The first of the prerequisite's commands that runs, or undefined. */
export function findCommand(prerequisite: Prerequisite): string | undefined {
  return prerequisite.commands.find(
    (command) => spawnSync(command, prerequisite.versionArgs, { stdio: "ignore" }).status === 0,
  );
}

/** The command to run for a prerequisite; PrerequisiteMissingError when none is on PATH. */
export function requireCommand(prerequisite: Prerequisite): string {
  const found = findCommand(prerequisite);
  if (found === undefined) throw new PrerequisiteMissingError([prerequisite]);
  return found;
}

/** Checks several at once, so one run names everything that is missing. */
export function requireAll(prerequisites: readonly Prerequisite[]): void {
  const missing = prerequisites.filter((p) => findCommand(p) === undefined);
  if (missing.length > 0) throw new PrerequisiteMissingError(missing);
}
