import { describe, expect, it } from "vitest";
import { ManualTimers } from "../../test/harness/fake-timers.ts";
import { WorkQueue } from "./work-queue.ts";

function queue(rateLimit = {}) {
  const timers = new ManualTimers(1_000);
  return { timers, q: new WorkQueue({ timers, rateLimit }) };
}

describe("WorkQueue", () => {
  it("queues a key once however often it is added", async () => {
    const { q } = queue();
    q.add("a");
    q.add("a");
    q.add("b");
    expect(q.length).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
  });

  it("never hands out a key being processed; re-queues it when done if it was added meanwhile", async () => {
    const { q } = queue();
    q.add("a");
    const key = await q.get();
    q.add("a");
    expect(q.length).toBe(0);
    q.done(key ?? "");
    expect(q.length).toBe(1);
    expect(await q.get()).toBe("a");
  });

  it("wakes a waiting worker when a key arrives", async () => {
    const { q } = queue();
    const next = q.get();
    q.add("x");
    expect(await next).toBe("x");
  });

  it("adds after a delay, keeping the earliest wake-up", () => {
    const { q, timers } = queue();
    q.addAfter("a", 5_000);
    q.addAfter("a", 2_000);
    q.addAfter("a", 9_000);
    timers.advance(1_999);
    expect(q.length).toBe(0);
    timers.advance(1);
    expect(q.length).toBe(1);
    timers.advance(10_000);
    expect(q.length).toBe(1);
  });

  it("backs off exponentially per key and forgets on success", () => {
    const { q } = queue({ baseDelayMs: 100, maxDelayMs: 1_000, qps: 1_000, burst: 1_000 });
    expect([
      q.addRateLimited("a"),
      q.addRateLimited("a"),
      q.addRateLimited("a"),
      q.addRateLimited("a"),
      q.addRateLimited("a"),
    ]).toEqual([100, 200, 400, 800, 1_000]);
    expect(q.addRateLimited("b")).toBe(100);
    q.forget("a");
    expect(q.addRateLimited("a")).toBe(100);
  });

  it("limits re-adds globally with a token bucket", () => {
    const { q, timers } = queue({ baseDelayMs: 1, maxDelayMs: 1, qps: 10, burst: 2 });
    expect(q.addRateLimited("a")).toBe(1);
    expect(q.addRateLimited("b")).toBe(1);
    expect(q.addRateLimited("c")).toBe(100);
    expect(q.addRateLimited("d")).toBe(200);
    timers.advance(1_000);
    expect(q.addRateLimited("e")).toBe(1);
  });

  it("releases waiting workers on shutdown and drops delayed keys", async () => {
    const { q, timers } = queue();
    const waiting = q.get();
    q.addAfter("a", 1_000);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    expect(timers.pending).toBe(0);
    q.add("b");
    expect(q.length).toBe(0);
  });
});
