import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bootstrapKeyFromEnv } from "./serve.ts";

describe("the bootstrap admin key from the environment", () => {
  const dir = mkdtempSync(join(tmpdir(), "ayra-keys-bootstrap-"));
  afterEach(() => rmSync(join(dir, "admin-key"), { force: true }));

  it("reads the file AYRA_KEYS_ADMIN_KEY_FILE names, without its trailing newline", () => {
    writeFileSync(join(dir, "admin-key"), "sk_live_example\n", { mode: 0o400 });
    expect(bootstrapKeyFromEnv({ AYRA_KEYS_ADMIN_KEY_FILE: join(dir, "admin-key") })).toBe("sk_live_example");
  });

  it("prefers AYRA_KEYS_ADMIN_KEY, and has none when neither is set or the file is empty", () => {
    writeFileSync(join(dir, "admin-key"), "\n");
    expect(
      bootstrapKeyFromEnv({
        AYRA_KEYS_ADMIN_KEY: "sk_live_inline",
        AYRA_KEYS_ADMIN_KEY_FILE: join(dir, "admin-key"),
      }),
    ).toBe("sk_live_inline");
    expect(bootstrapKeyFromEnv({ AYRA_KEYS_ADMIN_KEY_FILE: join(dir, "admin-key") })).toBeUndefined();
    expect(bootstrapKeyFromEnv({})).toBeUndefined();
  });

  it("has none when the file is gone (its Secret deleted after the key was replaced), and fails on others", () => {
    expect(bootstrapKeyFromEnv({ AYRA_KEYS_ADMIN_KEY_FILE: join(dir, "missing") })).toBeUndefined();
    expect(() => bootstrapKeyFromEnv({ AYRA_KEYS_ADMIN_KEY_FILE: dir })).toThrow(
      expect.objectContaining({ code: "EISDIR" }),
    );
  });
});
