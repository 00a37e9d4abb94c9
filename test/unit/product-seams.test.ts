// Test seams stay in test/: nothing the product ships (what the build compiles into dist/) reads a fault
// switch from the environment or imports from test/. Crash tests break the product from outside instead.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..", "..");
const PRODUCT = ["controller", "core", "keyservice", "provider", "cli"] as const;
const TEST_DIR = join(root, "test");

/** The product's source files: what tsconfig.build.json compiles (tests excluded). */
function productFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

const FAULT_SWITCH = /AYRA_KEYS_\w*FAULT\w*|process\.env(\.\w*FAULT\w*|\[["'`]\w*FAULT)/g;
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'`]([^"'`]+)["'`]/g;

function faultSwitches(source: string): string[] {
  return [...source.matchAll(FAULT_SWITCH)].map((m) => m[0]);
}

function importsFromTest(file: string, source: string): string[] {
  return [...source.matchAll(SPECIFIER)]
    .map((m) => m[1] ?? "")
    .filter((s) => s.startsWith("."))
    .filter((s) => {
      const target = resolve(root, dirname(file), s);
      return target === TEST_DIR || target.startsWith(`${TEST_DIR}/`);
    });
}

describe("the checks themselves", () => {
  it.each([
    { name: "finds an env fault switch", source: "const f = process.env.AYRA_KEYS_FAULT;", found: true },
    { name: "finds one spelled by index", source: 'process.env["AYRA_KEYS_FAULT"]', found: true },
    { name: "finds a renamed one", source: 'const n = "AYRA_KEYS_CONTROLLER_FAULTS";', found: true },
    {
      name: "ignores ordinary settings",
      source: "process.env.AYRA_API_URL; const DEFAULT = 1;",
      found: false,
    },
  ])("$name", ({ source, found }) => {
    expect(faultSwitches(source).length > 0).toBe(found);
  });

  it.each([
    {
      name: "finds a static import from test/",
      source: 'import { x } from "../../test/harness/a.ts";',
      n: 1,
    },
    { name: "finds a dynamic one", source: 'await import("../../test/harness/a.ts")', n: 1 },
    { name: "finds a re-export", source: 'export { x } from "../../test/a.ts";', n: 1 },
    { name: "ignores product imports", source: 'import { y } from "../kube/rest.ts";', n: 0 },
    { name: "ignores a package named like it", source: 'import t from "test";', n: 0 },
  ])("$name", ({ source, n }) => {
    expect(importsFromTest("controller/reconcile/act.ts", source)).toHaveLength(n);
  });
});

describe.each(PRODUCT)("%s/", (dir) => {
  const files = productFiles(dir);

  it("has source files to check", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it("reads no fault switch from the environment", () => {
    const found = files.flatMap((f) =>
      faultSwitches(readFileSync(join(root, f), "utf8")).map((s) => `${f}: ${s}`),
    );
    expect(found).toEqual([]);
  });

  it("imports nothing from test/", () => {
    const found = files.flatMap((f) =>
      importsFromTest(f, readFileSync(join(root, f), "utf8")).map((s) => `${f}: ${s}`),
    );
    expect(found).toEqual([]);
  });
});
