import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGitHubContext } from "./context.ts";

let dir: string;
async function event(name: string, payload: unknown): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify(payload));
  return path;
}
const pr = (headRepo: string | null) => ({
  pull_request: {
    number: 12,
    head: { sha: "h".repeat(40), repo: headRepo === null ? null : { full_name: headRepo } },
    base: { sha: "b".repeat(40), repo: { full_name: "acme/keys" } },
  },
});
const env = (eventPath: string, more: Record<string, string> = {}) => ({
  GITHUB_REPOSITORY: "acme/keys",
  GITHUB_TOKEN: "t",
  GITHUB_EVENT_PATH: eventPath,
  GITHUB_EVENT_NAME: "pull_request",
  ...more,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ayra-keys-context-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readGitHubContext", () => {
  it("reads a pull request from the same repository", async () => {
    const context = readGitHubContext(
      env(await event("same", pr("acme/keys")), { GITHUB_API_URL: "http://127.0.0.1:9/" }),
    );
    expect(context).toMatchObject({
      owner: "acme",
      repo: "keys",
      pullNumber: 12,
      headSha: "h".repeat(40),
      baseSha: "b".repeat(40),
      fromFork: false,
      apiUrl: "http://127.0.0.1:9",
      botLogin: "github-actions[bot]",
    });
  });

  it.each([
    { name: "a fork", headRepo: "mallory/keys", eventName: "pull_request", fork: true },
    { name: "a deleted fork", headRepo: null, eventName: "pull_request", fork: true },
    {
      name: "a fork under pull_request_target (write token)",
      headRepo: "mallory/keys",
      eventName: "pull_request_target",
      fork: false,
    },
    {
      name: "the same repository in other letters",
      headRepo: "ACME/Keys",
      eventName: "pull_request",
      fork: false,
    },
  ])("tells $name", async ({ headRepo, eventName, fork }) => {
    const path = await event(`fork-${eventName}-${String(headRepo).replace("/", "_")}`, pr(headRepo));
    expect(readGitHubContext(env(path, { GITHUB_EVENT_NAME: eventName })).fromFork).toBe(fork);
  });

  it("takes a push event's commits", async () => {
    const path = await event("push", { before: "0".repeat(40), after: "a".repeat(40) });
    const context = readGitHubContext(env(path, { GITHUB_EVENT_NAME: "push" }));
    expect(context).toMatchObject({ headSha: "a".repeat(40), fromFork: false });
    expect(context.baseSha).toBeUndefined();
    expect(context.pullNumber).toBeUndefined();
  });

  it.each([
    { name: "no token", patch: { GITHUB_TOKEN: "" }, message: /--github needs GITHUB_TOKEN/ },
    { name: "a bad repository", patch: { GITHUB_REPOSITORY: "acme" }, message: /must be owner\/name/ },
    {
      name: "an unreadable event",
      patch: { GITHUB_EVENT_PATH: "/nonexistent/event.json" },
      message: /not a readable JSON event payload/,
    },
  ])("explains $name", async ({ patch, message }) => {
    const path = await event("ok", pr("acme/keys"));
    expect(() => readGitHubContext({ ...env(path), ...patch })).toThrow(message);
  });
});
