import { describe, expect, it } from "vitest";
import { ActionInputError, inputVariable, readActionInputs } from "./action-inputs.ts";
import { formatOutputs } from "./action-outputs.ts";

describe("action inputs", () => {
  it("reads the runner's INPUT_ variables, hyphens kept, lists split on spaces and new lines", () => {
    expect(inputVariable("fail-on")).toBe("INPUT_FAIL-ON");
    const inputs = readActionInputs({
      INPUT_PATHS: " keys\n  more ",
      "INPUT_PULUMI-EVENTS": "a.json b.json",
      "INPUT_FAIL-ON": "warning",
      INPUT_ROOT: "",
      INPUT_TOKEN: "t",
    });
    expect(inputs).toEqual({
      paths: ["keys", "more"],
      pulumiEvents: ["a.json", "b.json"],
      failOn: "warning",
      token: "t",
    });
  });

  it("refuses a fail-on outside its values, naming the input and the values", () => {
    expect(() => readActionInputs({ "INPUT_FAIL-ON": "sometimes" })).toThrowError(ActionInputError);
    expect(() => readActionInputs({ "INPUT_FAIL-ON": "sometimes" })).toThrow(
      'input fail-on is "sometimes"; it must be one of error, warning, info, never',
    );
  });

  it("refuses a path that would be read as an option", () => {
    expect(() => readActionInputs({ INPUT_PATHS: "--base=evil" })).toThrowError(ActionInputError);
  });
});

describe("action outputs", () => {
  it("writes each output in the delimiter form, a delimiter the value does not contain", () => {
    const text = formatOutputs({
      conclusion: "failure",
      counts: { error: 2, warning: 1, info: 0 },
      report: "/tmp/r.json",
    });
    const blocks = [...text.matchAll(/^([\w-]+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2\n/gm)].map((m) => [
      m[1],
      m[3],
    ]);
    expect(blocks).toEqual([
      ["conclusion", "failure"],
      ["errors", "2"],
      ["warnings", "1"],
      ["infos", "0"],
      ["report", "/tmp/r.json"],
    ]);
    expect(formatOutputs({ conclusion: "error" })).toMatch(/^conclusion<<(ghadelimiter_\S+)\nerror\n\1\n$/);
  });
});
