export * from "./plan-summary.ts";
export * from "./slot-plan.ts";
