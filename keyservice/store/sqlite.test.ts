import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "./database.ts";

describe("SQLite durability", () => {
  it.each([
    { name: "syncs every commit by default (FULL)", options: {}, level: 2 },
    {
      name: "syncs at checkpoints only when NORMAL is asked for",
      options: { sqliteSynchronous: "normal" as const },
      level: 1,
    },
  ])("$name", async ({ options, level }) => {
    const db = await openDatabase(
      `sqlite:${join(mkdtempSync(join(tmpdir(), "ayra-keys-sqlite-")), "keys.db")}`,
      options,
    );
    try {
      expect(await db.query("PRAGMA synchronous")).toEqual([{ synchronous: level }]);
      expect(await db.query("PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
    } finally {
      await db.close();
    }
  });
});
