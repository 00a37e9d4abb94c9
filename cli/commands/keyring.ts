import { join } from "node:path";
import { Command, Option } from "commander";
import { rotateKeyringFile } from "../../keyservice/keyring.ts";
import { defaultDataDir } from "./serve.ts";

/** `ayra-keys keyring rotate`: the keys service's own secret rotates too. */
export function keyringCommand(): Command {
  const keyring = new Command("keyring").description(
    "manage the keys service's keyring (its HMAC and encryption keys)",
  );
  keyring
    .command("rotate")
    .description(
      "add a new current HMAC and AES key; old ones stay so existing API keys keep verifying (then copy the file to every node and send each SIGHUP)",
    )
    .addOption(
      new Option("--data-dir <dir>", "the service's data folder")
        .default(defaultDataDir(), "./.data")
        .env("AYRA_KEYS_DATA_DIR"),
    )
    .option("--keyring-file <path>", "the keyring file (default: DATA_DIR/keyring.json)")
    .addOption(new Option("--output <format>", "text or json").choices(["text", "json"]).default("text"))
    .action((flags: { dataDir: string; keyringFile?: string; output: string }) => {
      const path = flags.keyringFile ?? join(flags.dataDir, "keyring.json");
      const added = rotateKeyringFile(path);
      if (flags.output === "json") process.stdout.write(`${JSON.stringify({ keyring: path, ...added })}\n`);
      else
        process.stdout.write(
          `Added HMAC key ${added.hmacId} and AES key ${added.aesId} to ${path}. Give every node this file, then send each one SIGHUP (or restart it) to use them.\n`,
        );
    });
  return keyring;
}
