// What each change to a key asks for, already parsed and checked (http/request-bodies.ts does that).
import type { Environment, Scope } from "../../core/domain/index.ts";
import type { RevocationReason } from "../keys/key-record.ts";

export interface CreateInput {
  name: string;
  environment: Environment;
  scopes: Scope[];
  expiresAt: number | null;
  metadata: Record<string, string>;
}

export interface RollInput {
  scopes?: Scope[];
  expiresAt?: number | null;
  graceSeconds: number;
}

export interface RevokeInput {
  reason: RevocationReason;
  note: string | null;
  effectiveAt: number | null;
}

export interface PatchInput {
  name?: string;
  metadata?: Record<string, string>;
}
