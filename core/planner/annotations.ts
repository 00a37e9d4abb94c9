// keys.ayra.ai/rotate and keys.ayra.ai/compromised carry a timestamp (RFC 3339 or Unix seconds) and act once:
// when the value is new and later than the current key's creation (contract 2). A timestamp in the future acts
// at that instant, not before: a key minted for it is then always newer than the request, so a controller that
// crashed before recording `handled*` never acts on the same request twice.

/** Epoch milliseconds, or undefined when the value is neither RFC 3339 nor Unix seconds. */
export function parseRequestTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,12}$/.test(text)) return Number(text) * 1000;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The instant `value` asks for an action not yet taken for the current key, or undefined when none. */
export function pendingRequestAt(
  value: string | undefined,
  handled: string | undefined,
  keyCreatedAt: string | undefined,
): number | undefined {
  if (value === undefined || value === handled) return undefined;
  const at = parseRequestTime(value);
  if (at === undefined) return undefined;
  const created = keyCreatedAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(keyCreatedAt);
  return at > created ? at : undefined;
}

/** True when `value` asks for an action that has not been taken for the current key, and its time has come. */
export function requestIsNew(
  value: string | undefined,
  handled: string | undefined,
  keyCreatedAt: string | undefined,
  now: number,
): value is string {
  const at = pendingRequestAt(value, handled, keyCreatedAt);
  return at !== undefined && at <= now;
}
