//! Test setup: the suites were written against openvmm 37a2806 (the first pin), so they run on it
//! unless HCLBOOT_UPSTREAM names another pin (`HCLBOOT_UPSTREAM=1488a37 npx vitest run ...`).
//! test/upstream_pins.test.ts covers 1488a37's differences and the behavior both pins share.
// Ports: none (test configuration)
process.env.HCLBOOT_UPSTREAM ??= "37a2806";
