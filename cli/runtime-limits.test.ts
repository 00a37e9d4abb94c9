import { describe, expect, it } from "vitest";
import {
  CONTROLLER_COMMAND_LINE_FLAGS,
  CONTROLLER_ENV,
  CONTROLLER_NODE_FLAGS,
  missingEnv,
  missingFlags,
} from "./runtime-limits.ts";

describe("the controller's runtime limits", () => {
  it.each([
    { name: "adds every flag to a bare node", execArgv: [], nodeOptions: undefined, missing: 2 },
    {
      name: "adds nothing once the process was re-executed with them",
      execArgv: [...CONTROLLER_NODE_FLAGS],
      nodeOptions: undefined,
      missing: 0,
    },
    {
      name: "leaves a heap size given in NODE_OPTIONS alone",
      execArgv: [],
      nodeOptions: "--max-old-space-size=512 --enable-source-maps",
      missing: 1,
    },
    {
      name: "recognises a flag spelled with underscores on the command line",
      execArgv: ["--max_semi_space_size=4", "--max-old-space-size=300"],
      nodeOptions: "",
      missing: 0,
    },
  ])("$name", ({ execArgv, nodeOptions, missing }) => {
    expect(missingFlags(CONTROLLER_NODE_FLAGS, { execArgv, nodeOptions })).toHaveLength(missing);
  });

  it.each([
    { name: "sets malloc's arenas when nothing set them", env: {}, missing: ["MALLOC_ARENA_MAX"] },
    { name: "leaves an operator's choice alone", env: { MALLOC_ARENA_MAX: "4" }, missing: [] },
  ])("$name", ({ env, missing }) => {
    expect(Object.keys(missingEnv(CONTROLLER_ENV, env))).toEqual(missing);
  });

  it("limits both the old and the young generation", () => {
    expect(CONTROLLER_NODE_FLAGS.map((f) => f.split("=")[0])).toEqual([
      "--max-old-space-size",
      "--max-semi-space-size",
    ]);
  });

  it("adds the command-line-only flags even when NODE_OPTIONS holds the limits (as in the Deployment)", () => {
    const wanted = [...CONTROLLER_NODE_FLAGS, ...CONTROLLER_COMMAND_LINE_FLAGS];
    const given = { execArgv: [], nodeOptions: CONTROLLER_NODE_FLAGS.join(" ") };
    expect(missingFlags(wanted, given)).toEqual([...CONTROLLER_COMMAND_LINE_FLAGS]);
  });

  it("asks V8 to favour memory over speed", () => {
    expect(CONTROLLER_COMMAND_LINE_FLAGS).toContain("--optimize-for-size");
    expect(CONTROLLER_COMMAND_LINE_FLAGS).toEqual(
      expect.arrayContaining(["--no-opt", "--no-maglev", "--no-sparkplug"]),
    );
  });
});
