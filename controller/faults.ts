// Fault points for the crash-safety tests: AYRA_KEYS_FAULT=after-create (or a comma list) makes the process
// SIGKILL itself the first time it passes that point — as a crash at exactly that step would.

export const FAULT_POINTS = [
  "after-intent",
  "after-revoke-compromised",
  "after-create",
  "after-roll",
  "after-secret",
  "after-restart",
  "after-status",
  "after-revoke",
  "after-finalize-revoke",
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export type Faults = (point: FaultPoint) => void;

export function createFaults(
  spec: string | undefined,
  kill: () => void = () => process.kill(process.pid, "SIGKILL"),
): Faults {
  const armed = new Set(
    (spec ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  return (point) => {
    if (armed.has(point)) kill();
  };
}
