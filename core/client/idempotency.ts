import { randomUUID } from "node:crypto";
import type { Send } from "./request.ts";

const VISIBLE_ASCII = /^[\x21-\x7E]{1,255}$/;

/** A fresh Idempotency-Key. Callers that must survive a crash record one before the call and pass it in. */
export function newIdempotencyKey(): string {
  return randomUUID();
}

/** Throws before anything is sent: the server would refuse the key (400 invalid_idempotency_key) anyway. */
export function assertIdempotencyKey(key: string): void {
  if (!VISIBLE_ASCII.test(key)) {
    throw new TypeError("an Idempotency-Key is 1–255 visible ASCII characters");
  }
}

/**
 * Gives every POST an Idempotency-Key, chosen once per logical call. It sits outside the retry layer, so each
 * retry carries the same key — which is what lets the server replay the first answer instead of minting a
 * second key when only the response was lost.
 */
export function withIdempotency(send: Send, generate: () => string = newIdempotencyKey): Send {
  return async (request) => {
    if (request.method !== "POST") return send(request);
    const idempotencyKey = request.idempotencyKey ?? generate();
    assertIdempotencyKey(idempotencyKey);
    return send({ ...request, idempotencyKey });
  };
}
