// Starting `ayra-keys serve` processes for the keys service benchmarks, and the wrk script that introspects.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/harness/ports.ts";
import { type ManagedProcess, startProcess } from "../../test/harness/processes.ts";
import { waitFor } from "../../test/harness/wait.ts";

const main = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));

export interface ServeNode {
  proc: ManagedProcess;
  url: string;
  admin: string;
}

/** One node; nodes given the same `dir` share its keyring, and the first one's bootstrap key. */
export async function startServe(
  dir: string,
  database: string,
  options: { rateLimit: number; name?: string },
): Promise<ServeNode> {
  const port = await freePort();
  const adminFile = join(dir, "admin-key");
  const proc = startProcess({
    name: options.name ?? "ayra-keys serve",
    command: process.execPath,
    args: [
      main,
      "serve",
      "--listen",
      `127.0.0.1:${port}`,
      "--data-dir",
      dir,
      "--database",
      database,
      "--admin-key-file",
      adminFile,
      "--rate-limit",
      String(options.rateLimit),
    ],
    env: { ...process.env, AYRA_KEYS_LOG_LEVEL: "warn" },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor("the keys service", async () => (await fetch(`${url}/readyz`)).ok, {
    timeoutMs: 60_000,
    context: () => proc.output(),
  });
  return { proc, url, admin: (await readFile(adminFile, "utf8")).trim() };
}

export async function introspectScript(dir: string, admin: string, keys: string[]): Promise<string> {
  // Holds key values: private file in a private temp dir, deleted with it.
  const path = join(dir, "introspect.lua");
  const bodies = keys.map((k) => `'{"key":"${k}"}'`).join(",\n");
  await writeFile(
    path,
    `local bodies = {${bodies}}
local i = 0
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer ${admin}" }
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/api_keys/introspect", headers, bodies[i])
end
`,
    { mode: 0o600 },
  );
  return path;
}
