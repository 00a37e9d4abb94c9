// The bench's change: a repository of N ApiKey manifests and one commit that touches every one of
// them, with the mix a large migration would have (rolls, renames, schedules, deletions, new keys,
// mistakes), so each path of the review is exercised.
import { apiKeyYaml, goodSpec, TestRepo } from "../../test/e2e/review/fixtures/git-repo.ts";

export type BenchChange = { repo: TestRepo; base: string; head: string; manifests: number };

function edited(i: number): Record<string, unknown> | undefined {
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
      return goodSpec({
        displayName: `Service ${i}`,
        scopes: ["agents:read", "conversations:read", "contacts:write"],
      });
    case 3:
    case 4:
      return goodSpec({ displayName: `Service ${i} (renamed)` });
    case 5:
      return goodSpec({ displayName: `Service ${i}`, rotation: { every: "14d", gracePeriod: "3d" } });
    case 6:
      return goodSpec({ displayName: `Service ${i}`, expiresAfter: "400d" });
    case 7:
      return goodSpec({ displayName: `Service ${i}`, scopes: ["agents:read", "billing:write"] });
    case 8:
      return undefined; // deleted
    default:
      return goodSpec({ displayName: "Test", environment: "test" });
  }
}

export async function buildChange(manifests = 1000): Promise<BenchChange> {
  const repo = await TestRepo.create();
  const folder = (i: number) => `clusters/team-${i % 20}/keys`;
  for (let i = 0; i < manifests; i++)
    await repo.write(
      `${folder(i)}/key-${i}.yaml`,
      apiKeyYaml({
        name: `key-${i}`,
        namespace: `team-${i % 20}`,
        spec: goodSpec({ displayName: `Service ${i}` }),
      }),
    );
  const base = await repo.commit("1,000 keys");
  await repo.branch("migration");
  for (let i = 0; i < manifests; i++) {
    const spec = edited(i);
    const path = `${folder(i)}/key-${i}.yaml`;
    if (spec === undefined) {
      await repo.remove(path);
      // …and a new key elsewhere, so creations are in the mix too.
      await repo.write(
        `${folder(i)}/new-${i}.yaml`,
        apiKeyYaml({
          name: `new-${i}`,
          namespace: `team-${i % 20}`,
          spec: goodSpec({ displayName: `New Service ${i}` }),
        }),
      );
    } else {
      await repo.write(path, apiKeyYaml({ name: `key-${i}`, namespace: `team-${i % 20}`, spec }));
    }
  }
  const head = await repo.commit("touch every key");
  return { repo, base, head, manifests };
}
