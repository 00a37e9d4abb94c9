// Every temporary folder the harness makes goes through here, so none outlives the component it was made
// for: each is removed when its component stops, and whatever a crashed test left behind is removed when
// the test process exits. `liveTempDirs()` lets a test assert that a stopped component left nothing.
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const live = new Set<string>();

/** A new folder under the system temp dir, named `<prefix>XXXXXX`, tracked until removed. */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  live.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  live.delete(dir);
}

/** The folders made and not yet removed by this test process. */
export function liveTempDirs(): string[] {
  return [...live];
}

// Last resort: a test process that ends without its teardown still leaves no folder (and no key) behind.
process.once("exit", () => {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
});
