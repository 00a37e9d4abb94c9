import { Command, Option } from "commander";

export interface CrdFlags {
  output: "yaml" | "json";
}

/** `ayra-keys crd`: the CRDs of keys.ayra.ai, generated from schemas/apikey.schema.json. */
export function crdCommand(): Command {
  return new Command("crd")
    .description("print the ApiKey and ApiKeyPolicy CRDs (generated from schemas/apikey.schema.json)")
    .addOption(
      new Option("--output <format>", "yaml, or json (a v1 List)").choices(["yaml", "json"]).default("yaml"),
    )
    .addHelpText("after", "\nExample:\n  ayra-keys crd | kubectl apply --server-side -f -\n")
    .action(async (flags: CrdFlags) => {
      const { apiKeyCrd, apiKeyPolicyCrd, renderAllCrds } = await import("../../controller/crd/generate.ts");
      if (flags.output === "json") {
        const list = { apiVersion: "v1", kind: "List", items: [apiKeyCrd(), apiKeyPolicyCrd()] };
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      } else {
        process.stdout.write(renderAllCrds());
      }
    });
}
