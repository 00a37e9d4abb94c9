// Opaque cursors: the position (time, id) of the last item and a fingerprint of the filters, so a cursor
// from one list cannot silently page through another.
import { createHash } from "node:crypto";
import { ApiError } from "./api-error.ts";

function tag(fingerprint: string): string {
  return createHash("sha256").update(fingerprint).digest("base64url").slice(0, 10);
}

export function encodeCursor(position: { time: number; id: string }, fingerprint: string): string {
  return Buffer.from(JSON.stringify([position.time, position.id, tag(fingerprint)])).toString("base64url");
}

export function decodeCursor(cursor: string, fingerprint: string): { time: number; id: string } {
  const invalid = new ApiError(
    "invalid_cursor",
    "starting_after is not a cursor returned by this list with the same filters.",
    {
      param: "starting_after",
    },
  );
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 3) throw invalid;
    const [time, id, t] = value as unknown[];
    if (
      typeof time !== "number" ||
      !Number.isSafeInteger(time) ||
      typeof id !== "string" ||
      id.length > 100 ||
      t !== tag(fingerprint)
    )
      throw invalid;
    return { time, id };
  } catch {
    throw invalid;
  }
}
