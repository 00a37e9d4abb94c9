import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import type { Environment } from "./environments.ts";

/*
 * Key format: `sk_<env>_` + body (50 chars) =
 *   43 base62 chars of randomness (43 × log2(62) ≈ 256 bits)
 *   + 1 format-version char
 *   + 6 base62 chars of CRC32 over everything before it, prefix included.
 * The checksum follows GitHub's token guidance: a typo or a scanner's false positive is
 * rejected without a database lookup.
 */

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const PREFIX_LENGTH = "sk_live_".length;

export const KEY_FORMAT_VERSION = "1";
export const KEY_BODY_LENGTH = RANDOM_LENGTH + 1 + CHECKSUM_LENGTH;
export const KEY_LENGTH = PREFIX_LENGTH + KEY_BODY_LENGTH;

export type ParsedKey = { environment: Environment; formatVersion: string; body: string };
export type KeyDisplayParts = { prefix: string; first6: string; last4: string };

const BODY_PATTERN = /^[0-9A-Za-z]+$/;

export function keyPrefix(environment: Environment): string {
  return `sk_${environment}_`;
}

function environmentOfPrefix(prefix: string): Environment | undefined {
  if (prefix === "sk_live_") return "live";
  if (prefix === "sk_test_") return "test";
  return undefined;
}

// Rejection sampling: bytes ≥ 248 (= 4 × 62) are dropped so every char is uniform.
function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(64)) {
      if (byte >= 248) continue;
      out += ALPHABET.charAt(byte % 62);
      if (out.length === length) break;
    }
  }
  return out;
}

function checksum(text: string): string {
  let value = crc32(text);
  let out = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET.charAt(value % 62) + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function generateKey(environment: Environment): string {
  const unsigned = keyPrefix(environment) + randomBase62(RANDOM_LENGTH) + KEY_FORMAT_VERSION;
  return unsigned + checksum(unsigned);
}

/** Cheap structural check (no I/O, no exceptions): runs before any lookup on every request. */
export function parseKey(candidate: string): ParsedKey | undefined {
  if (typeof candidate !== "string" || candidate.length !== KEY_LENGTH) return undefined;
  const environment = environmentOfPrefix(candidate.slice(0, PREFIX_LENGTH));
  if (environment === undefined) return undefined;
  const body = candidate.slice(PREFIX_LENGTH);
  if (!BODY_PATTERN.test(body)) return undefined;
  const formatVersion = body.charAt(RANDOM_LENGTH);
  if (formatVersion !== KEY_FORMAT_VERSION) return undefined;
  const signedLength = PREFIX_LENGTH + RANDOM_LENGTH + 1;
  if (checksum(candidate.slice(0, signedLength)) !== candidate.slice(signedLength)) return undefined;
  return { environment, formatVersion, body };
}

/**
 * Anything key-shaped, checksum or not: a reviewer must flag a pasted key even if it is
 * mangled. RE2-compatible, so Go tools and grep can use the same source.
 */
export const KEY_PATTERN_SOURCE = "sk_(?:live|test)_[A-Za-z0-9]{24,}";

/** Non-global on purpose: `.test()` on a shared global RegExp keeps `lastIndex` state. */
export const KEY_PATTERN: RegExp = new RegExp(KEY_PATTERN_SOURCE);

/** Positions of key-shaped literals in `text`; never the values. */
export function findKeyLiterals(text: string): { index: number; length: number }[] {
  const found: { index: number; length: number }[] = [];
  for (const match of text.matchAll(new RegExp(KEY_PATTERN_SOURCE, "g"))) {
    found.push({ index: match.index, length: match[0].length });
  }
  return found;
}

/** Replaces every key-shaped literal with `sk_<env>_[redacted]`, for text headed to logs or messages. */
export function maskKeyLiterals(text: string): string {
  return text.replace(
    new RegExp(KEY_PATTERN_SOURCE, "g"),
    (literal) => `${literal.slice(0, PREFIX_LENGTH)}[redacted]`,
  );
}

/** The parts the service stores for display. Throws (without the value) when `key` is not key-shaped. */
export function keyDisplayParts(key: string): KeyDisplayParts {
  const prefix = key.slice(0, PREFIX_LENGTH);
  const body = key.slice(PREFIX_LENGTH);
  if (environmentOfPrefix(prefix) === undefined || body.length < 10 || !BODY_PATTERN.test(body)) {
    throw new TypeError("not an Ayra API key: expected sk_live_ or sk_test_ followed by the key body");
  }
  return { prefix, first6: body.slice(0, 6), last4: body.slice(-4) };
}

export function redactFromParts(environment: Environment, first6: string, last4: string): string {
  return `${keyPrefix(environment)}${first6}...${last4}`;
}

/** The seed's truncated form `sk_live_abc123...GHIJ`. Never throws: a non-key gives `[redacted]`. */
export function redact(keyOrParts: string | KeyDisplayParts): string {
  if (typeof keyOrParts !== "string") {
    return `${keyOrParts.prefix}${keyOrParts.first6}...${keyOrParts.last4}`;
  }
  try {
    return redact(keyDisplayParts(keyOrParts));
  } catch {
    return "[redacted]";
  }
}
