// Every ayra-keys process logs one way (docs/logging.md): JSON lines on stderr with the level as a name, the
// time as an ISO 8601 instant, errors under `err` through pino's error serializer (type, message, stack), and
// no key value anywhere in a line — message, field, child binding, error message or stack (the canary).
import { execFile } from "node:child_process";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { DestinationStream, Logger } from "pino";
import { describe, expect, it } from "vitest";
import { createControllerLogger } from "../../controller/logger.ts";
import { generateKey } from "../../core/domain/key-format.ts";
import { createServiceLogger } from "../../keyservice/logger.ts";

const exec = promisify(execFile);
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

type Factory = (options: { level?: string; destination?: DestinationStream }) => Logger;

// Each process and the logger it writes with; `dev` runs the keys service and the controller in one process,
// each with its own logger.
const PROCESSES: { process: string; service: string; module: string; factory: Factory; name: string }[] = [
  {
    process: "serve (and dev's keys service)",
    service: "ayra-keys-serve",
    module: "../../keyservice/logger.ts",
    factory: createServiceLogger,
    name: "createServiceLogger",
  },
  {
    process: "controller (and dev's controller)",
    service: "ayra-keys-controller",
    module: "../../controller/logger.ts",
    factory: createControllerLogger,
    name: "createControllerLogger",
  },
];

function capture(
  factory: Factory,
  level = "debug",
): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  const logger = factory({ level, destination });
  const text = () => chunks.join("");
  return {
    logger,
    text,
    lines: () =>
      text()
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe.each(PROCESSES)("the $process log", ({ factory, service, module, name }) => {
  it("names the level, stamps an ISO 8601 instant and the service", () => {
    const { logger, lines } = capture(factory);
    logger.info({ namespace: "team-a" }, "reconciled");
    logger.warn("slow");
    const [info, warn] = lines();
    expect(info).toMatchObject({ level: "info", service, namespace: "team-a", msg: "reconciled" });
    expect(warn).toMatchObject({ level: "warn", msg: "slow" });
    expect(info?.time).toMatch(ISO_INSTANT);
    expect(Math.abs(Date.parse(String(info?.time)) - Date.now())).toBeLessThan(60_000);
  });

  it("serializes an error under err with its type, message and stack", () => {
    const { logger, lines } = capture(factory);
    class KeysApiUnavailable extends Error {
      override name = "KeysApiUnavailable";
    }
    logger.error({ err: new KeysApiUnavailable("keys API answered 503") }, "reconcile failed");
    logger.warn(new TypeError("bad input"));
    const [first, second] = lines();
    expect(first?.err).toMatchObject({
      type: "KeysApiUnavailable",
      message: "keys API answered 503",
      stack: expect.stringContaining("KeysApiUnavailable: keys API answered 503\n    at "),
    });
    expect(first?.msg).toBe("reconcile failed");
    expect(second).toMatchObject({ level: "warn", msg: "bad input", err: { type: "TypeError" } });
  });

  it("never writes a key value, wherever it appears (the canary)", () => {
    const { logger, text } = capture(factory);
    const key = generateKey("live");
    const child = logger.child({ note: `bound ${key}` });
    child.info(
      { nested: { deep: [`pasted ${key}`] }, secret: "s3cr3t-not-key-shaped" },
      `message with ${key}`,
    );
    child.error({ err: new Error(`refused ${key}`, { cause: new Error(`because ${key}`) }) }, "failed");
    child.info("%s formatted", key);
    const written = text();
    expect(written).toContain("message with sk_live_[redacted]");
    expect(written).toContain("refused sk_live_[redacted]");
    expect(written).toContain("bound sk_live_[redacted]");
    expect(written).not.toContain(key);
    expect(written).not.toContain(key.slice(8));
    expect(written).not.toContain("s3cr3t-not-key-shaped");
  });

  it("writes to stderr and leaves stdout to the command's output", async () => {
    const script = [
      `const { ${name} } = await import(${JSON.stringify(fileURLToPath(new URL(module, import.meta.url)))});`,
      `const logger = ${name}({ level: "info" });`,
      `logger.info("to the log");`,
      `logger.flush();`,
    ].join("\n");
    const { stdout, stderr } = await exec(process.execPath, ["--input-type=module", "--eval", script], {
      env: { ...process.env, AYRA_KEYS_LOG_LEVEL: "" },
    });
    expect(stdout).toBe("");
    expect(JSON.parse(stderr.trim())).toMatchObject({ level: "info", msg: "to the log", service });
  });
});
