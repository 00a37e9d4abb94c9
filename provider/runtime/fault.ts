// Test seam for crash safety: at a named point the provider records who it is and then stops answering, so a
// test can kill the engine at exactly that moment (the keys API has answered; the state has not been written).
// Inert unless AYRA_KEYS_PROVIDER_FAULT names the point.
import { writeFileSync } from "node:fs";
import type { FaultPoint, ProviderSettings } from "./settings.ts";

export async function faultPoint(
  settings: ProviderSettings,
  point: FaultPoint,
  details: { keyId: string },
): Promise<void> {
  if (settings.fault?.point !== point) return;
  const record = { point, pid: process.pid, ppid: process.ppid, keyId: details.keyId };
  if (settings.fault.file !== undefined) writeFileSync(settings.fault.file, JSON.stringify(record));
  // Never settles: the engine waits for an answer that does not come until the test kills it.
  await new Promise<never>(() => {});
}
