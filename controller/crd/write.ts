// Regenerates deploy/crd/ from the schema: `node controller/crd/write.ts`.
import { writeFileSync } from "node:fs";
import { CRD_FILES, renderCrdYaml } from "./generate.ts";

for (const [file, make] of Object.entries(CRD_FILES)) {
  writeFileSync(new URL(`../../deploy/crd/${file}`, import.meta.url), renderCrdYaml(make()));
  process.stdout.write(`wrote deploy/crd/${file}\n`);
}
