//! `npm run setup`: installs the Debian tools the test suite needs (dtc, chromium) with apt-get
//! when run as root; otherwise prints the sudo command. Already installed tools are skipped.
// Ports: none (test plumbing)
import { spawnSync } from "node:child_process";
import { APT_PACKAGES, findChromium, installCommand, which } from "./test_tools.mjs";

const missing = [];
if (!which("dtc")) missing.push(APT_PACKAGES.dtc);
if (!findChromium()) missing.push(APT_PACKAGES.chromium);
if (missing.length === 0) {
  console.log("setup: dtc and chromium are installed");
  process.exit(0);
}
if (process.getuid?.() !== 0) {
  console.error(`setup: needs root to install ${missing.join(" and ")}; run:\n\n    ${installCommand(missing, false)}\n`);
  process.exit(1);
}
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
for (const args of [["update", "-qq"], ["install", "-y", "-qq", ...missing]]) {
  console.log(`setup: apt-get ${args.join(" ")}`);
  const r = spawnSync("apt-get", args, { stdio: "inherit", env });
  if (r.status !== 0) {
    console.error(`setup: apt-get ${args[0]} failed (${r.error ? r.error.message : `exit ${r.status}`})`);
    process.exit(1);
  }
}
console.log(`setup: installed ${missing.join(" and ")}`);
