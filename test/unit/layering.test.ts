// The layers stay layered: the keys service's service layer never reaches into its HTTP layer, and core/
// carries no logging library (each shell builds its own logger from core's masking).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(folder, name));
}

/** Every module a file imports (static, type-only, re-export or dynamic), as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm))
    if (m[1]) found.push(m[1]);
  return found;
}

/** Where an import points: a repository path for relative ones, the package name otherwise. */
function target(file: string, specifier: string): string {
  return specifier.startsWith(".") ? relative(root, resolve(root, dirname(file), specifier)) : specifier;
}

describe("layering", () => {
  it("finds the imports it checks (the scan is not blind)", () => {
    expect(
      importsOf("keyservice/http/routes.ts").map((s) => target("keyservice/http/routes.ts", s)),
    ).toContain("keyservice/service/key-operations.ts");
    expect(importsOf("keyservice/logger.ts")).toContain("pino");
  });

  it("keeps keyservice/service free of keyservice/http", () => {
    const offending = sourceFiles("keyservice/service").flatMap((file) =>
      importsOf(file)
        .map((s) => target(file, s))
        .filter((t) => t === "keyservice/http" || t.startsWith("keyservice/http/"))
        .map((t) => `${file} → ${t}`),
    );
    expect(offending).toEqual([]);
  });

  it("keeps pino out of core/", () => {
    const offending = sourceFiles("core").flatMap((file) =>
      importsOf(file)
        .filter((s) => s === "pino" || s.startsWith("pino/") || s.startsWith("pino-"))
        .map((s) => `${file} → ${s}`),
    );
    expect(offending).toEqual([]);
  });
});
