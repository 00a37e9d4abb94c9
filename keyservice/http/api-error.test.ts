// The service's error table and the contract's x-error-codes list are one list: same codes, same statuses, same types.
import { describe, expect, it } from "vitest";
import { maskKeyLiterals } from "../../core/domain/index.ts";
import { generateKey } from "../../core/domain/key-format.ts";
import { loadKeysApiDocument } from "../../test/harness/openapi-contract.ts";
import { ApiError, ERROR_CODES } from "./api-error.ts";

const documented = loadKeysApiDocument()["x-error-codes"] as { code: string; status: number; type: string }[];

describe("error codes", () => {
  it("match the contract's x-error-codes exactly", () => {
    const ours = Object.entries(ERROR_CODES).map(([code, [status, type]]) => ({ code, status, type }));
    const theirs = documented.map(({ code, status, type }) => ({ code, status, type }));
    expect(ours.sort((a, b) => a.code.localeCompare(b.code))).toEqual(
      theirs.sort((a, b) => a.code.localeCompare(b.code)),
    );
  });

  it("mask a key quoted in a message", () => {
    const key = generateKey("live");
    const error = new ApiError("invalid_request", `bad value ${key}`, { param: "name" });
    expect(error.message).toBe(maskKeyLiterals(`bad value ${key}`));
    expect(JSON.stringify(error.body("req_x"))).not.toContain(key);
    expect(error.body("req_x").error).toMatchObject({
      code: "invalid_request",
      type: "invalid_request_error",
      param: "name",
    });
  });
});
