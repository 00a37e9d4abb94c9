import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    reporters: ["default", "./test/harness/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "{core,keyservice,provider,controller,review,cli}/**/*.test.ts",
            "test/unit/**/*.test.ts",
          ],
          pool: "threads",
          // A few unit tests start the CLI as a process; beside the end-to-end files on two cores, 5 s is
          // too tight for a Node start.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/harness/global-setup.ts"],
          pool: "forks",
          // Two cores: two end-to-end files at a time, each bounded.
          maxWorkers: 2,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
