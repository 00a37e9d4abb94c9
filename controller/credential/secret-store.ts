// The controller's credential Secret, read and written through the Kubernetes API: the key value in one data
// field, the rotation record in annotations. Every write is an update carrying the resourceVersion that was
// read, so two writers never both win (the loser re-reads and plans again).
import {
  applyCredentialRecord,
  type CredentialRecord,
  readCredentialRecord,
} from "../../core/planner/credential-record.ts";
import { isNotFound, type KubeRest } from "../kube/rest.ts";
import type { SecretObject } from "../kube/types.ts";
import type { CredentialSecretRef } from "./secret-ref.ts";

export type { CredentialSecretRef } from "./secret-ref.ts";

export interface CredentialSnapshot {
  value: string;
  record: CredentialRecord;
  secret: SecretObject;
}

export class CredentialSecretError extends Error {
  static {
    CredentialSecretError.prototype.name = "CredentialSecretError";
  }
}

export class CredentialSecretStore {
  readonly ref: CredentialSecretRef;
  readonly #rest: KubeRest;

  constructor(rest: KubeRest, ref: CredentialSecretRef) {
    this.#rest = rest;
    this.ref = ref;
  }

  get path(): string {
    return `/api/v1/namespaces/${this.ref.namespace}/secrets/${this.ref.name}`;
  }

  get where(): string {
    return `Secret ${this.ref.namespace}/${this.ref.name} (field ${this.ref.key})`;
  }

  async read(): Promise<CredentialSnapshot> {
    let secret: SecretObject;
    try {
      secret = await this.#rest.get<SecretObject>(this.path);
    } catch (error) {
      if (isNotFound(error))
        throw new CredentialSecretError(`${this.where} does not exist: create it with the controller's key`);
      throw error;
    }
    const raw = secret.data?.[this.ref.key];
    const value = raw === undefined ? "" : Buffer.from(raw, "base64").toString("utf8").trim();
    // The message names the field, never the value.
    if (!/^[\x21-\x7E]+$/.test(value))
      throw new CredentialSecretError(`${this.where} holds no key: put the controller's keys-API key there`);
    return { value, record: readCredentialRecord(secret.metadata.annotations), secret };
  }

  /**
   * Writes `record` (and `value`, when given) onto the Secret as read; throws a 409 KubeApiError when it
   * changed since. The key and its record change in one update, so no reader sees one without the other.
   */
  async write(
    snapshot: CredentialSnapshot,
    record: CredentialRecord,
    value?: string,
  ): Promise<CredentialSnapshot> {
    const { secret } = snapshot;
    const data = { ...secret.data };
    if (value !== undefined) data[this.ref.key] = Buffer.from(value, "utf8").toString("base64");
    const body: SecretObject = {
      ...secret,
      metadata: {
        ...secret.metadata,
        annotations: applyCredentialRecord(secret.metadata.annotations, record),
      },
      data,
    };
    const written = await this.#rest.replace<SecretObject>(this.path, body);
    return { value: value ?? snapshot.value, record, secret: written };
  }
}
