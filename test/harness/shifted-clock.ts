// Preloaded (--import, by test/counterparts/launchers) into the engine's provider processes when a test moves time: shifts
// Date.now by AYRA_KEYS_TEST_CLOCK_OFFSET_MS, so the provider sees the keys service's test clock. Lives here,
// not in the provider: the product reads no clock switch from its environment.
export const CLOCK_OFFSET_ENV = "AYRA_KEYS_TEST_CLOCK_OFFSET_MS";

const offset = Number(process.env[CLOCK_OFFSET_ENV] ?? 0);
if (Number.isFinite(offset) && offset !== 0) {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + offset;
}
