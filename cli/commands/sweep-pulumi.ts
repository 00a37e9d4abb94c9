// Reads a Pulumi backend for the sweep through the real `pulumi` CLI: which stacks exist, and which key ids the
// stacks the keys name hold. Never with --show-secrets: key ids are plain outputs. Whatever fails is reported as
// unreadable (the sweep then judges those keys unknown), never as an empty backend.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApiKey } from "../../core/client/types.ts";
import { maskKeyLiterals } from "../../core/domain/index.ts";
import { keyOwner } from "../../core/operations/key-owner.ts";
import type { PulumiView } from "../../core/operations/sweep.ts";
import {
  parseStackExport,
  parseStackListing,
  type StackContents,
  stacksToExport,
} from "../../core/operations/sweep-pulumi.ts";

export interface PulumiSource {
  /** The backend URL (`file://…`, `s3://…`, `https://api.pulumi.com`); undefined when none was given. */
  backend: string | undefined;
  /** The CLI to run. */
  cli: string;
  progress(line: string): void;
}

const CALL_TIMEOUT_MS = 120_000;
const EXPORTS_AT_ONCE = 4;

class PulumiCliError extends Error {
  override readonly name = "PulumiCliError";
}

export async function readPulumi(keys: readonly ApiKey[], source: PulumiSource): Promise<PulumiView> {
  const { backend } = source;
  const needed = keys.some(
    (k) => (k.status === "active" || k.status === "expiring") && keyOwner(k.metadata).kind === "pulumi",
  );
  if (!needed) return { backend, unreadable: "not read: no working key is Pulumi's" };
  if (backend === undefined)
    return {
      backend,
      unreadable: "no Pulumi backend given: pass --pulumi-backend URL or set PULUMI_BACKEND_URL",
    };
  // An empty folder as the working directory: a Pulumi.yaml around the caller must not pick another backend.
  const cwd = await mkdtemp(join(tmpdir(), "ayra-keys-sweep-"));
  try {
    const run = (args: string[]) => pulumi(source.cli, args, { cwd, backend });
    let listing: ReturnType<typeof parseStackListing>;
    try {
      listing = parseStackListing(await run(["stack", "ls", "--all", "--json"]));
    } catch (error) {
      return { backend, unreadable: messageOf(error) };
    }
    const names = stacksToExport(keys, listing);
    const contents = new Map<string, StackContents | { unreadable: string }>();
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const name = names[next++] as string;
        source.progress(`reading Pulumi stack ${name}…`);
        try {
          contents.set(name, parseStackExport(await run(["stack", "export", "--stack", name])));
        } catch (error) {
          contents.set(name, { unreadable: messageOf(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(EXPORTS_AT_ONCE, names.length) }, worker));
    return { backend, stacks: listing, contents };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

function pulumi(cli: string, args: string[], options: { cwd: string; backend: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cli,
      [...args, "--non-interactive"],
      {
        cwd: options.cwd,
        env: {
          ...process.env,
          PULUMI_BACKEND_URL: options.backend,
          PULUMI_SKIP_UPDATE_CHECK: "true",
          PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
        },
        maxBuffer: 256 * 1024 * 1024,
        timeout: CALL_TIMEOUT_MS,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        if ((error as NodeJS.ErrnoException).code === "ENOENT")
          return reject(
            new PulumiCliError(
              `the pulumi CLI was not found (${cli}): install it (curl -fsSL https://get.pulumi.com | sh) or pass --pulumi-cli PATH`,
            ),
          );
        const why = String(stderr).trim().split("\n").filter(Boolean).pop() ?? error.message;
        reject(new PulumiCliError(`\`pulumi ${args.join(" ")}\` failed: ${why}`));
      },
    );
  });
}

function messageOf(error: unknown): string {
  return maskKeyLiterals(error instanceof Error ? error.message : String(error));
}
