// Which ApiKeys name which Secret, so two ApiKeys naming one Secret are caught before either mints a key.
import { secretLayout } from "../../core/planner/secret-shape.ts";
import { objectKey } from "../kube/types.ts";
import type { ApiKeyObject } from "./objects.ts";

export class SecretIndex {
  readonly #bySecret = new Map<string, Map<string, ApiKeyObject>>();
  readonly #secretOf = new Map<string, string>();

  update(obj: ApiKeyObject, deleted: boolean): void {
    const key = objectKey(obj);
    const before = this.#secretOf.get(key);
    if (before !== undefined) this.#bySecret.get(before)?.delete(key);
    if (deleted) {
      this.#secretOf.delete(key);
      return;
    }
    const secret = `${obj.metadata.namespace}/${secretLayout(obj.spec, obj.metadata.name).name}`;
    this.#secretOf.set(key, secret);
    const claimants = this.#bySecret.get(secret) ?? new Map<string, ApiKeyObject>();
    this.#bySecret.set(secret, claimants);
    claimants.set(key, obj);
  }

  /** Other ApiKeys naming the same Secret. */
  others(secretKey: string, self: string): ApiKeyObject[] {
    return [...(this.#bySecret.get(secretKey)?.values() ?? [])].filter((o) => objectKey(o) !== self);
  }

  /** ApiKey keys that name `secretKey` (to wake them when the Secret changes). */
  claimants(secretKey: string): string[] {
    return [...(this.#bySecret.get(secretKey)?.keys() ?? [])];
  }
}
