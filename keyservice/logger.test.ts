// The service's log masks what core/logging says to mask: a key in a message, a field or a nested value.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { generateKey } from "../core/domain/key-format.ts";
import { createServiceLogger } from "./logger.ts";

describe("the service logger", () => {
  it("never writes a key value, wherever it appears in a line", () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    });
    const logger = createServiceLogger({ destination });
    const key = generateKey("live");
    logger.info({ nested: { note: `pasted ${key}` }, secret: "s3cr3t" }, `message with ${key}`);
    const text = lines.join("");
    expect(text).toContain('"service":"ayra-keys-serve"');
    expect(text).toContain("message with sk_live_");
    expect(text).not.toContain(key);
    expect(text).not.toContain("s3cr3t");
  });
});
