import { readFileSync } from "node:fs";

/** The package's version, read once from package.json (two levels up both in the source tree and in dist/). */
export function packageVersion(): string {
  for (const candidate of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "ayra-keys" && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return "0.0.0-unknown";
}
