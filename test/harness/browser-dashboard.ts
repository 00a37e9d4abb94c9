// The dashboard's built bundle for browser tests: built once from web/src when missing or older than a
// source, into a temporary directory swapped in whole, so two test files starting together never see half
// a bundle.
import { existsSync } from "node:fs";
import { readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDashboard } from "../../web/build.ts";

const web = fileURLToPath(new URL("../../web/", import.meta.url));
const dist = join(web, "dist");

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestSource(path) : (await stat(path)).mtimeMs);
  }
  return newest;
}

export async function ensureDashboardBuilt(): Promise<void> {
  const index = join(dist, "index.html");
  const newest = Math.max(await newestSource(join(web, "src")), (await stat(join(web, "build.ts"))).mtimeMs);
  if (existsSync(index) && (await stat(index)).mtimeMs >= newest) return;
  const temporary = `${dist}.${process.pid}`;
  await buildDashboard({ outDir: temporary });
  await rm(dist, { recursive: true, force: true });
  await rename(temporary, dist).catch(async (error: unknown) => {
    // Another test file swapped in its build first: the same sources, so that one serves.
    await rm(temporary, { recursive: true, force: true });
    if (!existsSync(index)) throw error;
  });
}
