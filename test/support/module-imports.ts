// What a shipped module needs at run time, read with the TypeScript parser: static imports and re-exports
// that are not type-only, dynamic import() with a literal, and require()/createRequire(...)() calls with a
// literal. Type-only imports are erased by the compiler, so they cost an installed package nothing.
import { readdirSync, readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

export interface ModuleImport {
  /** The specifier as written. */
  specifier: string;
  /** The file it is written in, relative to the root. */
  from: string;
}

/** The runtime imports of one source file (.ts, .js or .cjs). */
export function runtimeImports(root: string, file: string): ModuleImport[] {
  const text = readFileSync(join(root, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const found: ModuleImport[] = [];
  const add = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) found.push({ specifier: node.text, from: file });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) add(node.moduleSpecifier);
    } else if (ts.isExportDeclaration(node)) {
      if (!node.isTypeOnly) add(node.moduleSpecifier);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === "require";
      const isCreatedRequire =
        ts.isCallExpression(callee) &&
        ts.isIdentifier(callee.expression) &&
        callee.expression.text === "createRequire";
      if (isImport || isRequire || isCreatedRequire) add(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every non-test source file under the folders, relative to the root. */
export function shippedSources(root: string, folders: readonly string[]): string[] {
  return folders.flatMap((folder) =>
    readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
      .filter((name) => /\.(ts|js|cjs)$/.test(name) && !/\.test\.ts$/.test(name) && !name.endsWith(".d.ts"))
      .map((name) => join(folder, name)),
  );
}

/** The package a bare specifier names (`@scope/name/deep` → `@scope/name`); undefined for relative or builtin. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || isBuiltin(specifier)) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Where a relative specifier points, relative to the root. */
export function resolveRelative(root: string, imp: ModuleImport): string {
  return relative(root, resolve(root, dirname(imp.from), imp.specifier));
}

/** The files reachable from an entry through relative runtime imports, and every import they make. */
export function importGraph(root: string, entry: string): { files: Set<string>; imports: ModuleImport[] } {
  const files = new Set<string>();
  const imports: ModuleImport[] = [];
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    for (const imp of runtimeImports(root, file)) {
      imports.push(imp);
      if (imp.specifier.startsWith(".")) pending.push(resolveRelative(root, imp));
    }
  }
  return { files, imports };
}
