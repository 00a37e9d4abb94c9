// The ApiKey resource: one key slot in a Pulumi program. The slot lives as long as the resource; the key in it
// is replaced by updates (scopes, expiry, environment, a rotation due), never by replacing the resource.
import * as pulumi from "@pulumi/pulumi";
import type { RevocationReason } from "../core/client/index.ts";
import type { Environment, Scope } from "../core/domain/index.ts";
import { apiKeyProvider } from "./provider-object.ts";
import { API_KEY_TYPE } from "./runtime/state.ts";

export interface ApiKeyRotationArgs {
  /** Rotate on a schedule: a new key this long after the current one was created, e.g. "30d". */
  every?: pulumi.Input<string>;
  /** Rotate this long before the key expires, e.g. "14d". Needs an expiry. Default with expiresAfter: a third of the lifetime, at most 7d. */
  renewBefore?: pulumi.Input<string>;
  /** How long the old key keeps working after a rotation, e.g. "7d" ("0s": revoke at once). Default 7d. */
  gracePeriod?: pulumi.Input<string>;
}

/** The shared key spec (schemas/apikey.schema.json) as Pulumi inputs. */
export interface ApiKeyArgs {
  /** The key's name in the Ayra dashboard: say what uses it, e.g. "Production Web Application". */
  displayName: pulumi.Input<string>;
  /** "live" (sk_live_…) or "test" (sk_test_…). Changing it creates a key in the other environment. */
  environment: pulumi.Input<Environment>;
  /** The key's permissions, a set, e.g. ["analytics:read", "conversations:read"]. */
  scopes: pulumi.Input<pulumi.Input<Scope>[]>;
  /** Each key's lifetime from its creation, e.g. "90d"; every rotated key gets a fresh one. */
  expiresAfter?: pulumi.Input<string>;
  /** A fixed expiry, RFC 3339. Set this or expiresAfter. */
  expiresAt?: pulumi.Input<string>;
  rotation?: pulumi.Input<ApiKeyRotationArgs>;
  /** Who answers for the key (recorded in the key's metadata). */
  owner?: pulumi.Input<string>;
  /** Why the key exists and where it is used. */
  purpose?: pulumi.Input<string>;
  /** Free-form notes. Never a key value. */
  description?: pulumi.Input<string>;
  /** The reason recorded when `pulumi destroy` revokes the key. Default "project_ended". */
  deletionReason?: pulumi.Input<RevocationReason>;
}

/**
 * An Ayra API key managed by Pulumi: `secret` holds the key value as a Pulumi secret.
 *
 * ```ts
 * const web = new ApiKey("web", {
 *   displayName: "Production Web Application",
 *   environment: "live",
 *   scopes: ["agents:read", "conversations:read"],
 *   expiresAfter: "90d",
 *   rotation: { every: "30d", gracePeriod: "7d" },
 * });
 * export const webKey = web.secret;
 * ```
 */
export class ApiKey extends pulumi.dynamic.Resource {
  declare readonly displayName: pulumi.Output<string>;
  declare readonly environment: pulumi.Output<Environment>;
  declare readonly scopes: pulumi.Output<Scope[]>;
  declare readonly expiresAfter: pulumi.Output<string | undefined>;
  declare readonly rotation: pulumi.Output<ApiKeyRotationArgs | undefined>;
  declare readonly owner: pulumi.Output<string | undefined>;
  declare readonly purpose: pulumi.Output<string | undefined>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly deletionReason: pulumi.Output<RevocationReason | undefined>;
  /** The URN recorded in the key's metadata (`pulumi_urn`), by which strays of a crashed run are found. */
  declare readonly slot: pulumi.Output<string>;

  /** The current key's id, e.g. key_… (changes with every rotation; the resource id does not). */
  declare readonly keyId: pulumi.Output<string>;
  /** The current key's value, sk_live_… or sk_test_…: a Pulumi secret. */
  declare readonly secret: pulumi.Output<string>;
  /** The dashboard's truncated form, sk_live_abc123...GHIJ. */
  declare readonly redacted: pulumi.Output<string>;
  /** active, or after a refresh: expiring, expired, revoked, missing (the next up replaces the key). */
  declare readonly status: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  /** When the current key expires (null: never). */
  declare readonly expiresAt: pulumi.Output<string | null>;
  /** When the next `pulumi up` will rotate the key (null: never on a schedule). */
  declare readonly rotateAfter: pulumi.Output<string | null>;
  /** The key replaced by the last rotation, while its grace period runs. */
  declare readonly previousKeyId: pulumi.Output<string | undefined>;
  /** When the keys service revokes the previous key. */
  declare readonly previousRevokeAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: ApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    // The URN the engine gives this resource (computed the same way), known before registration.
    const slot =
      opts?.parent === undefined
        ? `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${API_KEY_TYPE}::${name}`
        : pulumi.createUrn(name, API_KEY_TYPE, opts.parent);
    super(
      apiKeyProvider,
      name,
      {
        ...args,
        slot,
        keyId: undefined,
        secret: undefined,
        redacted: undefined,
        status: undefined,
        createdAt: undefined,
        expiresAt: args.expiresAt,
        rotateAfter: undefined,
        previousKeyId: undefined,
        previousRevokeAt: undefined,
      },
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "secret"],
      },
      "ayra",
      "ApiKey",
    );
  }
}
