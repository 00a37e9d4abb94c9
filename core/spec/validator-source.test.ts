import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED_VALIDATOR, validatorSource } from "./validator-source.ts";

describe("the generated spec validator", () => {
  it("matches the schema it was generated from (run `npm run generate` after editing the schema)", () => {
    expect(readFileSync(GENERATED_VALIDATOR, "utf8")).toBe(validatorSource());
  });
});
