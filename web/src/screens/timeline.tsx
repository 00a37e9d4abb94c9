// What stops working when: every key with a deadline, soonest first, grouped the way the seed's reminder
// advice reads ("set calendar reminders before key expiration").
import { useMemo } from "preact/hooks";
import { EnvironmentBadge, ManagerText } from "../components/key-bits.tsx";
import { useKeyStore } from "../components/use-store.ts";
import type { KeyStore } from "../key-store.ts";
import { deadlineOf, formatTime, relative } from "../model/key-view.ts";
import type { ApiKey } from "../model/types.ts";
import { keyHref } from "../router.ts";

const DAY = 86_400_000;
const BUCKETS = [
  { until: 7 * DAY, label: "Within 7 days" },
  { until: 30 * DAY, label: "Within 30 days" },
  { until: 90 * DAY, label: "Within 90 days" },
  { until: Number.POSITIVE_INFINITY, label: "Later" },
];

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-");

export function Timeline({ store }: { store: KeyStore }) {
  const state = useKeyStore(store);
  const now = Date.now();
  const { groups, undated } = useMemo(() => {
    const dated: { key: ApiKey; at: number }[] = [];
    let undated = 0;
    for (const { key } of state.keys) {
      const deadline = deadlineOf(key);
      if (deadline === null) {
        if (key.status === "active") undated++;
        continue;
      }
      dated.push({ key, at: Date.parse(deadline) });
    }
    dated.sort((a, b) => a.at - b.at);
    const groups = BUCKETS.map((b) => ({ label: b.label, keys: [] as typeof dated }));
    for (const entry of dated) {
      const index = BUCKETS.findIndex((b) => entry.at - now <= b.until);
      groups[index]?.keys.push(entry);
    }
    return { groups, undated };
  }, [state.keys, now]);

  return (
    <main>
      <h1>Expiry timeline</h1>
      <p class="help">
        Keys that still work and will stop: expiring keys at their deadline, active keys at their expiry.
        Generate a replacement and update your systems before the date; set a calendar reminder for each.
      </p>
      {state.loading && <p aria-live="polite">Loading more keys…</p>}
      {groups.map((group) => (
        <section key={group.label} aria-labelledby={`tl-${slug(group.label)}`}>
          <h2 id={`tl-${slug(group.label)}`}>
            {group.label} ({group.keys.length})
          </h2>
          {group.keys.length > 0 && (
            <ol class="timeline">
              {group.keys.slice(0, 200).map(({ key, at }) => (
                <li key={key.id}>
                  <time dateTime={new Date(at).toISOString()}>{formatTime(new Date(at).toISOString())}</time>{" "}
                  <span class="help">({relative(new Date(at).toISOString(), now)})</span>{" "}
                  <a href={keyHref(key.id)}>{key.name}</a> <code>{key.redacted}</code>{" "}
                  <EnvironmentBadge environment={key.environment} />{" "}
                  {key.status === "expiring" ? "rotation or scheduled revocation" : "expires"} ·{" "}
                  <ManagerText apiKey={key} />
                </li>
              ))}
              {group.keys.length > 200 && (
                <li>… and {group.keys.length - 200} more (see the list, sorted by expiry).</li>
              )}
            </ol>
          )}
        </section>
      ))}
      <p>{undated} active keys never expire: the seed calls that generally discouraged.</p>
    </main>
  );
}
