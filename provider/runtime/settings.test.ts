import { describe, expect, it } from "vitest";
import { type ConfigReader, resolveSettings } from "./settings.ts";

const config = (values: Record<string, string>): ConfigReader => ({ get: (key) => values[key] });

describe("resolveSettings", () => {
  it("takes credentials from stack config first", () => {
    const settings = resolveSettings(config({ "ayra:apiUrl": "http://config", "ayra:apiKey": "k-config" }), {
      AYRA_API_URL: "http://env",
      AYRA_API_KEY: "k-env",
    });
    expect(settings.credentials).toEqual({ apiUrl: "http://config", apiKey: "k-config" });
  });

  it("falls back to AYRA_API_URL and AYRA_API_KEY, field by field", () => {
    const settings = resolveSettings(config({ "ayra:apiUrl": "http://config" }), { AYRA_API_KEY: "k-env" });
    expect(settings.credentials).toEqual({ apiUrl: "http://config", apiKey: "k-env" });
  });

  it("says what is missing, and how to set it, without failing until the keys API is needed", () => {
    const settings = resolveSettings(undefined, {});
    expect(settings.credentials).toEqual({
      missing: expect.stringMatching(
        /set ayra:apiUrl \(or AYRA_API_URL\) and ayra:apiKey as a secret \(or AYRA_API_KEY\)/,
      ),
    });
  });

  it("survives an engine that gives no config at all", () => {
    const broken: ConfigReader = {
      get: () => {
        throw new TypeError("no config");
      },
    };
    expect(resolveSettings(broken, { AYRA_API_URL: "http://env", AYRA_API_KEY: "k" }).credentials).toEqual({
      apiUrl: "http://env",
      apiKey: "k",
    });
  });

  it("reads hygiene settings from ayra:hygiene and warns about a bad one", () => {
    const good = resolveSettings(config({ "ayra:hygiene": '{"rules":{"poor-name":"off"}}' }), {});
    expect(good.hygiene).toEqual({ rules: { "poor-name": "off" } });
    const bad = resolveSettings(config({ "ayra:hygiene": '{"rules":{"poor-names":"off"}}' }), {});
    expect(bad.hygiene).toEqual({});
    expect(bad.warnings).toEqual([expect.stringMatching(/ayra:hygiene is ignored: .*not a hygiene rule/)]);
  });
});
