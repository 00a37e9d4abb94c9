// deploy/argocd/health.lua run by a real Lua 5.1 interpreter (Argo CD runs gopher-lua, Lua 5.1) on ApiKey
// objects in each state; argocd-cm-patch.yaml must carry the same script.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PREREQUISITES, requireCommand } from "../test/harness/prerequisites.ts";

const script = readFileSync(new URL("../deploy/argocd/health.lua", import.meta.url), "utf8");
// Missing Lua fails every case with the command that installs it, rather than skipping them.
let lua: string | undefined;
const luaCommand = () => {
  lua ??= requireCommand(PREREQUISITES.lua);
  return lua;
};

function toLua(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(", ")}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${toLua(v)}`)
    .join(", ")}}`;
}

function health(obj: unknown): { status: string; message: string } {
  const program = `obj = ${toLua(obj)}\nlocal function check()\n${script}\nend\nlocal hs = check()\nio.write(hs.status .. "\\n" .. (hs.message or ""))`;
  const out = execFileSync(luaCommand(), ["-"], { input: program, encoding: "utf8" });
  const [status = "", message = ""] = out.split("\n");
  return { status, message };
}

const cond = (type: string, status: string, message = "") => ({ type, status, reason: "R", message });

describe("deploy/argocd/health.lua", () => {
  it.each([
    {
      name: "a new ApiKey without status is Progressing",
      obj: { metadata: { generation: 1 } },
      status: "Progressing",
    },
    {
      name: "a Ready ApiKey at its generation is Healthy",
      obj: {
        metadata: { generation: 2 },
        status: {
          observedGeneration: 2,
          conditions: [
            cond("Ready", "True", "Key k is in Secret web."),
            cond("Reconciling", "False"),
            cond("Stalled", "False"),
          ],
        },
      },
      status: "Healthy",
      message: "Key k is in Secret web.",
    },
    {
      name: "an unobserved generation is Progressing",
      obj: {
        metadata: { generation: 3 },
        status: { observedGeneration: 2, conditions: [cond("Ready", "True")] },
      },
      status: "Progressing",
    },
    {
      name: "a rotation in progress is Progressing",
      obj: {
        metadata: { generation: 1 },
        status: {
          observedGeneration: 1,
          conditions: [cond("Ready", "True"), cond("Reconciling", "True", "Replacing key")],
        },
      },
      status: "Progressing",
      message: "Replacing key",
    },
    {
      name: "a Stalled ApiKey is Degraded with the controller's message",
      obj: {
        metadata: { generation: 1 },
        status: {
          observedGeneration: 1,
          conditions: [cond("Ready", "False"), cond("Stalled", "True", "No ApiKeyPolicy allows this key")],
        },
      },
      status: "Degraded",
      message: "No ApiKeyPolicy allows this key",
    },
  ])("$name", ({ obj, status, message }) => {
    const hs = health(obj);
    expect(hs.status).toBe(status);
    if (message !== undefined) expect(hs.message).toBe(message);
  });

  it("argocd-cm-patch.yaml carries the same script", () => {
    const cm = parse(
      readFileSync(new URL("../deploy/argocd/argocd-cm-patch.yaml", import.meta.url), "utf8"),
    ) as { data: Record<string, string> };
    const embedded = cm.data["resource.customizations.health.keys.ayra.ai_ApiKey"] ?? "";
    const body = script
      .split("\n")
      .filter((l) => !l.startsWith("--"))
      .join("\n")
      .trim();
    expect(embedded.trim()).toBe(body);
  });
});
