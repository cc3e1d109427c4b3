//! Pre-test check (`npm test` runs it first): stops at once, with the command that installs it,
//! when dtc is missing; when chromium is missing, says loudly that only the e2e suite is skipped
//! (an error instead when HCLBOOT_E2E_REQUIRED is set, as in CI).
// Ports: none (test plumbing)
import { APT_PACKAGES, findChromium, installCommand, which } from "./test_tools.mjs";

const bar = "=".repeat(78);
if (!which("dtc")) {
  const missing = [APT_PACKAGES.dtc, ...(findChromium() ? [] : [APT_PACKAGES.chromium])];
  console.error(`${bar}
npm test: dtc (device tree compiler) is not installed; the tests compile and decode device
trees with it. Install it, then run \`npm test\` again:

    ${installCommand(missing)}

or \`npm run setup\` (as root: installs ${missing.join(" and ")} with apt-get).
${bar}`);
  process.exit(1);
}
if (!findChromium()) {
  if (process.env.HCLBOOT_E2E_REQUIRED) {
    console.error(`npm test: chromium is missing and HCLBOOT_E2E_REQUIRED is set: ${installCommand([APT_PACKAGES.chromium])}`);
    process.exit(1);
  }
  console.error(`${bar}
npm test: chromium is not installed: the browser playground e2e suite (test/e2e/) is SKIPPED;
every other test runs. To run it too:

    ${installCommand([APT_PACKAGES.chromium])}
${bar}`);
}
