import { spawn } from "node:child_process";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/*
 * Read-only git access for the review: a few plumbing commands, each run once per review, output
 * read as bytes. Paths are repository-relative with forward slashes.
 */

export class GitError extends Error {
  override readonly name = "GitError";
  readonly exitCode: number | null;
  constructor(message: string, exitCode: number | null) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A --base or --head that names no commit here: the message says how to fetch it. */
export class GitRefError extends Error {
  override readonly name = "GitRefError";
}

export type TreeEntry = { mode: string; type: string; oid: string; size: number; path: string };
export type ChangedFile = { status: "A" | "M" | "D" | "T"; path: string };

type RunOptions = { input?: string; allowExit?: readonly number[] };
type RunResult = { stdout: Buffer; exitCode: number };

// Settings a user's git config could change under us: prefixes, quoting, colours, external tools.
const FIXED_CONFIG = ["-c", "core.quotePath=false", "-c", "diff.noprefix=false", "-c", "color.ui=never"];

export class GitRepo {
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  /** The repository containing `dir` (its top level). */
  static async open(dir: string): Promise<GitRepo> {
    const { stdout } = await run(dir, ["rev-parse", "--show-toplevel"]);
    return new GitRepo(stdout.toString("utf8").trim());
  }

  private run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    return run(this.root, [...FIXED_CONFIG, ...args], options);
  }

  /** The commit a ref names, or GitRefError. */
  async resolveCommit(ref: string, what: string): Promise<string> {
    if (ref.startsWith("-") || ref.trim() === "")
      throw new GitRefError(`${what} ${JSON.stringify(ref)} is not a ref.`);
    const { stdout, exitCode } = await this.run(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
      allowExit: [1],
    });
    if (exitCode !== 0) {
      throw new GitRefError(
        `${what} ${JSON.stringify(ref)} is not a commit in this repository. Fetch it first (in GitHub Actions: actions/checkout with fetch-depth: 0).`,
      );
    }
    return stdout.toString("utf8").trim();
  }

  /** The best common ancestor, or undefined for unrelated histories. */
  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const { stdout, exitCode } = await this.run(["merge-base", a, b], { allowExit: [1] });
    return exitCode === 0 ? stdout.toString("utf8").trim() : undefined;
  }

  /** Blobs under `paths` (all of the tree when empty), with their sizes. */
  async listTree(commit: string, paths: readonly string[]): Promise<TreeEntry[]> {
    const format = "%(objectmode) %(objecttype) %(objectname) %(objectsize)%x09%(path)";
    const { stdout } = await this.run([
      "ls-tree",
      "-r",
      "-z",
      "--full-tree",
      `--format=${format}`,
      commit,
      "--",
      ...paths,
    ]);
    const entries: TreeEntry[] = [];
    for (const record of splitZ(stdout)) {
      const tab = record.indexOf("\t");
      const [mode = "", type = "", oid = "", size = ""] = record.slice(0, tab).split(" ");
      entries.push({ mode, type, oid, size: Number(size), path: record.slice(tab + 1) });
    }
    return entries;
  }

  /** Files that differ between two commits under `paths`, renames as delete + add. */
  async changedFiles(base: string, head: string, paths: readonly string[]): Promise<ChangedFile[]> {
    const { stdout } = await this.run([
      "diff",
      "--name-status",
      "-z",
      "--no-renames",
      base,
      head,
      "--",
      ...paths,
    ]);
    const fields = splitZ(stdout);
    const changed: ChangedFile[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const status = fields[i]?.charAt(0);
      const path = fields[i + 1] ?? "";
      if (status === "A" || status === "M" || status === "D" || status === "T")
        changed.push({ status, path });
    }
    return changed;
  }

  /** The zero-context unified diff, for the key-literal scan (see diff-lines.ts). */
  async unifiedDiff(base: string, head: string, paths: readonly string[]): Promise<Buffer> {
    const { stdout } = await this.run([
      "diff",
      "-U0",
      "--no-renames",
      "--no-ext-diff",
      "--no-textconv",
      "--src-prefix=a/",
      "--dst-prefix=b/",
      base,
      head,
      "--",
      ...paths,
    ]);
    return stdout;
  }

  /** Blob contents by object id, in one `git cat-file --batch`. */
  async readBlobs(oids: readonly string[]): Promise<Map<string, Buffer>> {
    const unique = [...new Set(oids)];
    const blobs = new Map<string, Buffer>();
    if (unique.length === 0) return blobs;
    const { stdout } = await this.run(["cat-file", "--batch"], { input: `${unique.join("\n")}\n` });
    let at = 0;
    while (at < stdout.length) {
      const eol = stdout.indexOf(0x0a, at);
      if (eol < 0) break;
      const [oid = "", type = "", size = ""] = stdout.subarray(at, eol).toString("utf8").split(" ");
      if (type === "missing" || size === "") {
        at = eol + 1;
        continue;
      }
      const start = eol + 1;
      const end = start + Number(size);
      blobs.set(oid, stdout.subarray(start, end));
      at = end + 1; // the newline after each object
    }
    return blobs;
  }

  /** One file's content at a commit, or undefined when it does not exist there. */
  async readFile(commit: string, path: string): Promise<Buffer | undefined> {
    const [entry] = (await this.listTree(commit, [path])).filter((e) => e.path === path && e.type === "blob");
    if (entry === undefined) return undefined;
    return (await this.readBlobs([entry.oid])).get(entry.oid);
  }
}

function splitZ(buffer: Buffer): string[] {
  const text = buffer.toString("utf8");
  const parts = text.split("\0");
  if (parts.at(-1) === "") parts.pop();
  return parts;
}

function run(cwd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", LC_ALL: "C" },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => reject(new GitError(`could not run git: ${error.message}`, null)));
    child.on("close", (code) => {
      const exitCode = code ?? -1;
      if (exitCode === 0 || options.allowExit?.includes(exitCode)) {
        resolve({ stdout: Buffer.concat(out), exitCode });
        return;
      }
      const stderr = Buffer.concat(err).toString("utf8").trim().split("\n").slice(0, 3).join(" ");
      reject(
        new GitError(
          `git ${args
            .filter((a) => a !== "-c" && !a.includes("="))
            .slice(0, 2)
            .join(" ")} failed (exit ${exitCode}): ${stderr}`,
          code,
        ),
      );
    });
    child.stdin.on("error", () => {}); // git may exit before reading all input; the exit code tells
    child.stdin.end(options.input ?? "");
  });
}

/**
 * Writes a commit's tree into `dir` (git archive, then tar) for tools that read files. Symbolic links
 * are not kept: the tree is untrusted, and a link could point anywhere on this machine.
 */
export async function exportCommit(repo: GitRepo, commit: string, dir: string): Promise<void> {
  const tarFile = `${dir}.tar`;
  await run(repo.root, [...FIXED_CONFIG, "archive", "--format=tar", `--output=${tarFile}`, commit]);
  await new Promise<void>((resolve, reject) => {
    const child = spawn("tar", ["-x", "-f", tarFile, "-C", dir, "--no-same-owner", "--no-same-permissions"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const err: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => reject(new GitError(`could not run tar: ${error.message}`, null)));
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(
            new GitError(`tar failed (exit ${code}): ${Buffer.concat(err).toString("utf8").trim()}`, code),
          ),
    );
  });
  await rm(tarFile, { force: true });
  await removeSymlinks(dir);
}

async function removeSymlinks(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) await rm(path, { force: true });
    else if (entry.isDirectory()) await removeSymlinks(path);
  }
}
