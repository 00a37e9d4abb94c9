// The keys API's final "no" to a mint (scope escalation, a bad expiry…), remembered per ApiKey generation so
// the planner can stall with the API's own words; a new generation (an edited spec) tries again.
export class Refusals {
  readonly #byUid = new Map<string, { generation: number; message: string }>();

  record(uid: string, generation: number, message: string): void {
    this.#byUid.set(uid, { generation, message });
  }

  of(uid: string, generation: number): string | undefined {
    const entry = this.#byUid.get(uid);
    return entry?.generation === generation ? entry.message : undefined;
  }

  forget(uid: string): void {
    this.#byUid.delete(uid);
  }
}
