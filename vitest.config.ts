import { defineConfig } from "vitest/config";
import { SummaryReporter } from "./test/helpers/summary-reporter.js";

/** Both integration projects: real parts, so long timeouts, and one file at a time within each. */
const realParts = { testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false } as const;

export default defineConfig({
  test: {
    reporters: ["default", new SummaryReporter()],
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "test/unit/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          exclude: ["test/integration/host/**"],
          globalSetup: ["test/cluster/global-setup.ts"],
          ...realParts,
        },
      },
      // The single-host target's suites (a real sshd, Podman, Caddy as a container). They need no
      // cluster and share nothing with the project above (their own sshd on a free port, their own
      // server-side Podman storage, their own container names), so `npm test` runs them in a second
      // Vitest process beside it (scripts/test.sh): vitest puts every project without file
      // parallelism into one sequential queue, so two projects of one process never overlap.
      {
        test: {
          name: "integration-host",
          include: ["test/integration/host/**/*.test.ts"],
          ...realParts,
        },
      },
    ],
  },
});
