// `npm run bench [name…]`: runs the benchmarks one after another (they share 2 cores; never in parallel)
// and prints each figure as name.figure<TAB>value. Not part of `npm test`.
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface Bench {
  run(): Promise<{ name: string; figures: Record<string, number | string> }>;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const available = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`${here}${d.name}/index.ts`))
  .map((d) => d.name)
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(", ")}; available: ${available.join(", ")}\n`);
  process.exit(2);
}

// Modules a benchmark runs after its index, each printing figures under its own name.
const companions: Record<string, string[]> = { keyservice: ["durability.ts"] };

for (const name of wanted.length > 0 ? wanted : available) {
  process.stderr.write(`[bench] ${name} …\n`);
  const started = performance.now();
  for (const module of ["index.ts", ...(companions[name] ?? [])]) {
    const bench = (await import(`./${name}/${module}`)) as Bench;
    const result = await bench.run();
    for (const [figure, value] of Object.entries(result.figures))
      process.stdout.write(`${result.name}.${figure}\t${value}\n`);
  }
  process.stderr.write(`[bench] ${name} done in ${Math.round((performance.now() - started) / 1000)} s\n`);
}
