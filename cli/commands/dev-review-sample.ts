// A sample change for `ayra-keys review` to look at: a small git repository in the dev data folder whose last
// commit widens the example ApiKey's scopes. Made once; the printed command reviews that commit.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type ReviewSample = { repo: string; args: string[] } | { skipped: string };

const WIDENED = "scopes: [agents:read, agents:write, conversations:read]";

export function prepareReviewSample(options: { dataDir: string; exampleFile: string }): ReviewSample {
  const repo = join(options.dataDir, "review-sample");
  const args = ["-C", repo, "--base", "HEAD~1", "keys"];
  if (existsSync(join(repo, ".git"))) return { repo, args };
  const example = readFileSync(options.exampleFile, "utf8");
  const widened = example.replace(/^ {2}scopes: \[.*\]$/m, `  ${WIDENED}`);
  const git = (...gitArgs: string[]) =>
    execFileSync(
      "git",
      [
        "-c",
        "user.name=ayra-keys dev",
        "-c",
        "user.email=dev@ayra-keys.invalid",
        "-c",
        "commit.gpgsign=false",
        ...gitArgs,
      ],
      { cwd: repo, stdio: "pipe" },
    );
  try {
    mkdirSync(join(repo, "keys"), { recursive: true });
    git("init", "-q");
    writeFileSync(join(repo, "keys", "web.yaml"), example);
    git("add", ".");
    git("commit", "-q", "-m", "web: an ApiKey for the web application");
    writeFileSync(join(repo, "keys", "web.yaml"), widened);
    git("commit", "-q", "-am", "web: also write agents");
    return { repo, args };
  } catch (error) {
    rmSync(repo, { recursive: true, force: true });
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    return {
      skipped: missing
        ? "`git` is not on PATH (apt-get install git)"
        : `could not make the sample repository in ${repo}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
