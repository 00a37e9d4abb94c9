// No acknowledged write is lost: a real `ayra-keys serve` under concurrent create / roll / revoke /
// introspect load is killed with SIGKILL at random moments, again and again, on each store. After every
// restart each acknowledged write is there, replays return the same id and value, revoked keys stay
// revoked, usage never goes backwards, and a write whose answer was lost happened entirely or not at all.
// (SIGKILL of our process only: power loss is covered by the settings the README cites, not by this test.)
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { generateKey } from "../../../core/domain/index.ts";
import { STORES } from "../../harness/keys-service.ts";
import { freePort } from "../../harness/ports.ts";
import { newDatabase, type ServeProcess, startServe } from "../../harness/serve-process.ts";
import { WriteLedger } from "../../harness/write-ledger.ts";

const KILLS = 20;
const WORKERS = 6;

let node: ServeProcess | undefined;
afterEach(async () => {
  await node?.proc.stop();
});

describe.each(STORES)("crash safety on %s", (store) => {
  it(`keeps every acknowledged write through ${KILLS} SIGKILLs under load`, {
    timeout: 420_000,
  }, async () => {
    const started = Date.now();
    const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-crash-"));
    const database = await newDatabase(store, dataDir);
    const admin = generateKey("live");
    const port = await freePort();
    const serve = () =>
      startServe(["--data-dir", dataDir, "--database", database, "--rate-limit", "1000000"], {
        env: { AYRA_KEYS_ADMIN_KEY: admin },
        port,
      });
    const ledger = new WriteLedger(admin);
    node = await serve();
    const listed = await node.call("GET", "/v1/api_keys", { key: admin });
    const adminId = listed.body.data[0]?.id as string;
    let kills = 0;
    let verifiedUpTo = 0;

    while (kills < KILLS) {
      const current = node;
      let stopping = false;
      const workers = Array.from({ length: WORKERS }, () => ledger.work(current.call, () => stopping));
      // A random moment: somewhere inside a burst of writes, never at a quiet point.
      await delay(150 + Math.random() * 450);
      await current.proc.kill();
      kills++;
      stopping = true;
      await Promise.all(workers);

      node = await serve();
      const acknowledged = ledger.acknowledged.length;
      await ledger.verify(node.call, verifiedUpTo);
      verifiedUpTo = acknowledged;
      process.stderr.write(
        `[crash-safety ${store}] kill ${kills}: ${ledger.acknowledged.length} acknowledged, ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
      const tracked = [adminId, ...ledger.acknowledged.slice(0, 3).map((w) => w.answer?.id as string)];
      await ledger.checkUsage(node.call, tracked);
    }
    // Everything acknowledged over the whole run, once more, and the store as a whole.
    await ledger.verify(node.call, 0);
    const stored = await ledger.checkStore(node.call);
    const writes = ledger.acknowledged.length;
    process.stdout.write(
      `[crash-safety ${store}] kills=${kills} acknowledgedWrites=${writes} revoked=${ledger.revoked.size} ` +
        `answersLost=${ledger.lostAnswers} ` +
        `checks=${ledger.checked} keysStored=${stored} seconds=${Math.round((Date.now() - started) / 1000)}\n`,
    );
    expect(kills).toBe(KILLS);
    expect(writes).toBeGreaterThan(KILLS * 5);
    expect(ledger.revoked.size).toBeGreaterThan(0);
  });
});
