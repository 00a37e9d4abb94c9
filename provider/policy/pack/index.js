// Entry point of the ready-made ayra-keys policy pack. The engine runs this folder (`--policy-pack <this folder>`
// with the Node.js language host) or the `run-policy-pack` launcher beside it (`--policy-pack <launcher>`, no
// language host needed). It serves the policies from the TypeScript source in a checkout, or from the compiled
// package when installed. Loaded through require(), so no top-level await.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = new URL("../index.ts", import.meta.url);
const compiled = new URL("../../../dist/provider/policy/index.js", import.meta.url);
const entry = existsSync(fileURLToPath(source)) ? source : compiled;

import(entry.href)
  .then((policy) => policy.servePolicyPack())
  .catch((error) => {
    console.error(
      `ayra-keys policy pack: could not start: ${error instanceof Error ? error.message : error}`,
    );
    process.exit(1);
  });
