// Fills a keys service store with N keys directly through the store (creating 100,000 keys through HTTP
// would measure the create path, not introspection). Returns a sample of the key values for the load.
import { loadKeyring } from "../../keyservice/keyring.ts";
import { insertKey } from "../../keyservice/keys/key-repository.ts";
import type { ServiceDeps } from "../../keyservice/service/context.ts";
import { mintKey } from "../../keyservice/service/key-operations.ts";
import { openDatabase } from "../../keyservice/store/database.ts";
import { migrate } from "../../keyservice/store/migrations.ts";

export async function populate(options: {
  database: string;
  keyringPath: string;
  count: number;
  sample: number;
}): Promise<string[]> {
  const db = await openDatabase(options.database);
  await migrate(db);
  const { keyring } = loadKeyring({ path: options.keyringPath });
  // mintKey needs only the keyring; the rest of the service is not involved.
  const deps = { keyring } as unknown as ServiceDeps;
  const sample: string[] = [];
  const every = Math.max(1, Math.floor(options.count / options.sample));
  const now = Date.now();
  const batch = 5_000;
  for (let start = 0; start < options.count; start += batch) {
    await db.transaction(async (tx) => {
      for (let i = start; i < Math.min(options.count, start + batch); i++) {
        const { record, secret } = mintKey(
          deps,
          {
            name: `Bench key ${i}`,
            environment: i % 2 === 0 ? "live" : "test",
            scopes: ["agents:read", "analytics:read"],
            expiresAt: now + 90 * 86_400_000,
            metadata: { bench: "true" },
            rolledFrom: null,
            createdBy: null,
          },
          now,
        );
        await insertKey(tx, record);
        if (i % every === 0 && sample.length < options.sample) sample.push(secret);
      }
    });
  }
  await db.close();
  return sample;
}
