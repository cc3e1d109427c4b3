import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Suites run on the 37a2806 boot core unless HCLBOOT_UPSTREAM says otherwise (test/setup/upstream.ts).
    setupFiles: ["test/setup/upstream.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
