// Warnings the user sees in the engine's output, attached to the resource. Since Pulumi 3.142 (pulumi/pulumi
// #17943) what a provider writes to stderr is debug logging only, so the provider speaks through the engine's
// Log RPC instead, at the address the engine starts every provider process with.
import { createRequire } from "node:module";
import type * as Grpc from "@grpc/grpc-js";
import type * as EngineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb.js";
import type * as EnginePb from "@pulumi/pulumi/proto/engine_pb.js";

/** Shows `message` as a warning, on the resource `urn` when given; never fails (a lost warning breaks nothing). */
export type EngineWarn = (message: string, urn?: string) => Promise<void>;

export function engineWarnings(address: string): EngineWarn {
  // gRPC and the engine's protocol come with @pulumi/pulumi: load them from there, and only when first used.
  const fromPulumi = createRequire(createRequire(import.meta.url).resolve("@pulumi/pulumi/package.json"));
  let client: EngineGrpc.EngineClient | undefined;
  let pb: typeof EnginePb | undefined;
  return (message, urn) =>
    new Promise<void>((resolve) => {
      try {
        if (client === undefined || pb === undefined) {
          const grpc = fromPulumi("@grpc/grpc-js") as typeof Grpc;
          const { EngineClient } = fromPulumi("./proto/engine_grpc_pb.js") as typeof EngineGrpc;
          pb = fromPulumi("./proto/engine_pb.js") as typeof EnginePb;
          client = new EngineClient(address, grpc.credentials.createInsecure());
        }
        const request = new pb.LogRequest();
        request.setSeverity(pb.LogSeverity.WARNING);
        request.setMessage(message);
        if (urn !== undefined) request.setUrn(urn);
        client.log(request, () => resolve());
      } catch {
        resolve();
      }
    });
}
