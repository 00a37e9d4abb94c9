// Three Ayra API keys, declared: what the ayra-keys Pulumi example creates. index.ts runs this as the program;
// the end-to-end tests run the same function as an inline program, so what you read here is what is tested.
import { ApiKey } from "ayra-keys/pulumi";

export function ayraKeys() {
  // The production web app reads agents and conversations. Each key lives 90 days and is replaced every 30;
  // after a rotation the old key keeps working for 7 days while every server picks up the new one.
  const webApp = new ApiKey("web-app", {
    displayName: "Production Web Application",
    environment: "live",
    scopes: ["agents:read", "conversations:read"],
    expiresAfter: "90d",
    rotation: { every: "30d", gracePeriod: "7d" },
    owner: "web-team",
    purpose: "the customer-facing web app reads agents and conversation transcripts",
  });

  // The analytics dashboard only reads: the seed's least-privilege example.
  const dashboard = new ApiKey("analytics-dashboard", {
    displayName: "Analytics Dashboard",
    environment: "live",
    scopes: ["analytics:read", "conversations:read"],
    expiresAfter: "90d",
    rotation: { every: "60d", renewBefore: "14d", gracePeriod: "3d" },
    owner: "data-team",
  });

  // CI runs the integration tests against the sandbox: a short-lived test key.
  const ci = new ApiKey("ci", {
    displayName: "CI integration tests",
    environment: "test",
    scopes: ["agents:read", "agents:write", "workflows:write"],
    expiresAfter: "30d",
    rotation: { every: "14d", gracePeriod: "1d" },
    owner: "platform-team",
  });

  return {
    webAppKey: webApp.secret,
    webAppKeyRedacted: webApp.redacted,
    webAppRotateAfter: webApp.rotateAfter,
    dashboardKey: dashboard.secret,
    dashboardKeyRedacted: dashboard.redacted,
    ciKey: ci.secret,
    ciKeyRedacted: ci.redacted,
  };
}
