// The image holds what test/e2e/install/package.test.ts ran: the Dockerfile builds, packs and installs the
// tarball with the same npm flags into an empty folder, and starts the package's own bin.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PRODUCTION_INSTALL } from "../e2e/install/installed-package.ts";

const root = resolve(import.meta.dirname, "../..");
const dockerfile = readFileSync(resolve(root, "Dockerfile"), "utf8").replace(/\\\n\s*/g, " ");
const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
  bin: Record<string, string>;
};
const stages = dockerfile.split(/^FROM /m).slice(1);
const runs = (stage: string | undefined) =>
  [...(stage ?? "").matchAll(/^RUN (.+)$/gm)].map((m) => m[1] ?? "");

describe("the Dockerfile", () => {
  it("builds from the lockfile and packs the package", () => {
    const pack = runs(stages[0]).join(" && ");
    expect(pack).toMatch(/npm ci\b/);
    expect(pack).toMatch(/npm run build && npm pack\b/);
  });

  it("installs the tarball with the flags the install test uses, into an empty folder", () => {
    const install = runs(stages[1]).join(" && ");
    const command = /npm install ([^&]+)/.exec(install)?.[1]?.trim().split(/\s+/) ?? [];
    for (const flag of PRODUCTION_INSTALL) expect(command).toContain(flag);
    expect(command.at(-1)).toMatch(/\.tgz$/);
    expect(install).toMatch(/> package\.json/);
  });

  it("runs the installed package's bin on Node 24 as a non-root user, copying nothing else in", () => {
    const final = stages.at(-1) ?? "";
    expect(final).toMatch(/^gcr\.io\/distroless\/nodejs24-/);
    expect([...final.matchAll(/^COPY (.+)$/gm)].map((m) => m[1])).toEqual([
      "--from=install /app/node_modules ./node_modules",
    ]);
    expect(final).toContain(`"/app/node_modules/ayra-keys/${pkg.bin["ayra-keys"]}"`);
    expect(final).toMatch(/^USER 65532:65532$/m);
  });
});
