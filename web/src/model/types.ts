// The keys API's shapes the dashboard reads (schemas/keys-api.openapi.yaml).
export type Environment = "live" | "test";
export type KeyStatus = "active" | "expiring" | "expired" | "revoked";

export const REVOCATION_REASONS = [
  { value: "compromised", label: "Compromised (suspected security breach)" },
  { value: "replaced", label: "Replaced (part of normal rotation)" },
  { value: "unused", label: "Unused (key created but never used)" },
  { value: "employee_departure", label: "Employee departure (team member left)" },
  { value: "project_ended", label: "Project ended (integration no longer needed)" },
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number]["value"];

export const SCOPES = [
  { value: "agents:read", group: "Read", help: "View agent configurations and list agents" },
  { value: "conversations:read", group: "Read", help: "Access conversation data and transcripts" },
  { value: "contacts:read", group: "Read", help: "View contact records" },
  { value: "analytics:read", group: "Read", help: "Access analytics and reporting data" },
  { value: "agents:write", group: "Write", help: "Create, update, and delete agents" },
  { value: "conversations:write", group: "Write", help: "Create or modify conversation records" },
  { value: "contacts:write", group: "Write", help: "Create, update, and delete contacts" },
  { value: "workflows:write", group: "Write", help: "Create and trigger workflows" },
  { value: "api_keys:read", group: "Keys", help: "List and read API keys, usage and audit events" },
  { value: "api_keys:write", group: "Keys", help: "Create, edit, regenerate and revoke API keys" },
  { value: "admin:full", group: "Admin", help: "Complete access to all API capabilities" },
] as const;
export type Scope = (typeof SCOPES)[number]["value"];

export interface ApiKey {
  id: string;
  name: string;
  environment: Environment;
  scopes: string[];
  status: KeyStatus;
  redacted: string;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  expiring_at: string | null;
  last_used_at: string | null;
  rolled_from: string | null;
  replaced_by: string | null;
  revoked_at: string | null;
  revocation_reason: RevocationReason | null;
  metadata: Record<string, string>;
}

/** Only the create and roll responses carry it; the page never keeps it beyond the one screen showing it. */
export interface ApiKeyWithSecret extends ApiKey {
  secret: string;
}

export interface KeyList {
  data: ApiKey[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface KeyUsage {
  id: string;
  last_used_at: string | null;
  revoked_attempts?: number;
  last_revoked_attempt_at?: string | null;
  flush_interval_seconds: number;
  hourly: { hour: string; count: number }[];
}

export interface AuditEvent {
  id: string;
  created_at: string;
  actor_key_id: string | null;
  action: string;
  target_key_id: string;
  request_id: string | null;
  ip?: string;
  details: Record<string, unknown>;
}

export interface Principal {
  id: string;
  name: string;
  environment: Environment;
  scopes: string[];
}

export interface Session {
  csrf_token: string;
  expires_at: string;
  principal: Principal;
}
