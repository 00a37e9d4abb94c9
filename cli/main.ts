#!/usr/bin/env node
import { maskKeyLiterals } from "../core/domain/index.ts";
import { buildProgram } from "./program.ts";

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  // A failed command says what went wrong in one line; no stack trace, and never a key value.
  process.stderr.write(`ayra-keys: ${maskKeyLiterals(err instanceof Error ? err.message : String(err))}\n`);
  process.exitCode = 1;
}
