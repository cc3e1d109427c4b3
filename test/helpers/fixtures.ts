// Test helper: the saved boot/service JSON outputs in test/fixtures/boot/.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Parses test/fixtures/boot/<name> as a `T` (a BootOutput or ServiceOutput). */
export function bootFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "boot", name), "utf8")) as T;
}
