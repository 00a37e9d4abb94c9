// The controller as it ships: the product compiled by tsconfig.build.json (what `npm run build` makes and
// the image runs), into a temp folder beside a link to node_modules — so the bench measures compiled
// JavaScript, not the source run through Node's type stripping (which alone costs ≈ 30 MB of RSS).
import { execFile } from "node:child_process";
import { copyFile, mkdir, readdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../test/harness/controller.ts";
import { makeTempDir, removeTempDir } from "../../test/harness/temp-dirs.ts";

const run = promisify(execFile);

export interface ShippedBuild {
  /** The compiled CLI entry point (dist/cli/main.js). */
  cli: string;
  remove(): Promise<void>;
}

export async function buildShipped(): Promise<ShippedBuild> {
  const dir = await makeTempDir("ayra-keys-bench-build-");
  try {
    const tsc = join(projectRoot, "node_modules", "typescript", "bin", "tsc");
    await run(process.execPath, [tsc, "-p", join(projectRoot, "tsconfig.build.json"), "--outDir", dir], {
      cwd: projectRoot,
    });
    const generated = join(projectRoot, "core", "spec", "generated");
    await mkdir(join(dir, "core", "spec", "generated"), { recursive: true });
    for (const f of (await readdir(generated)).filter((f) => f.endsWith(".cjs")))
      await copyFile(join(generated, f), join(dir, "core", "spec", "generated", f));
    await copyFile(join(projectRoot, "package.json"), join(dir, "package.json"));
    await symlink(join(projectRoot, "node_modules"), join(dir, "node_modules"));
  } catch (error) {
    await removeTempDir(dir);
    const stderr = (error as { stdout?: string; stderr?: string }).stdout ?? "";
    throw new Error(`could not build the controller (npx tsc -p tsconfig.build.json): ${stderr || error}`);
  }
  return { cli: join(dir, "cli", "main.js"), remove: () => removeTempDir(dir) };
}
