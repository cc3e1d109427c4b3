//! Platform-neutral boot API of the playground: an image object and its files in, the CONTRACT.md JSON out.
// Ports: none (hclboot's contract; the boot itself is openhcl/openhcl_boot/src/main.rs via the harness)
//
// Nothing here touches node:fs or the DOM: the browser page calls it with a shim loader from
// host/wasm/browser.ts, Node code with the one from host/wasm/node.ts. The page only ever imports
// this module, so wiring the real boot flow in is a change to this file alone.
import { imageSchema, type Image } from "../image/schema.js";
import { InputError, DtError } from "../errors.js";
import { Shim, ShimPanic } from "../wasm/loader.js";
import { failure, type BootOutput, type ServiceOutput, type Failure } from "./contract.js";
import { runSelftest, type SelftestResult } from "./selftest.js";

/** How the API gets a boot core instance (browser: fetch + compile; Node: read build/). */
export interface BootApiOptions {
  loadShim: () => Promise<Shim>;
}

/** Message of the failure returned while the boot flow is not part of this build. */
export const BOOT_FLOW_UNAVAILABLE = "boot flow not available in this build";

/** Maps a thrown error to the contract's failure object (same kinds as the CLI). */
export function errorToFailure(e: unknown): Failure {
  if (e instanceof InputError) return failure("input", e.message);
  if (e instanceof DtError) return failure("dt", e.message);
  if (e instanceof ShimPanic) return failure("panic", e.message);
  return failure("input", e instanceof Error ? e.message : String(e));
}

/** Validates an image object with the image schema; a failure names the field path. */
export function parseImage(image: unknown): Image | Failure {
  const r = imageSchema.safeParse(image);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(image)"}: ${i.message}`);
  return failure("input", `invalid image: ${issues.join("; ")}`);
}

/** Paths (relative to the image) of the files an image reads: host device tree, persisted state. */
export function referencedFiles(image: Image): string[] {
  const out: string[] = [];
  if (image.hostDeviceTree !== undefined) out.push(image.hostDeviceTree);
  if (image.persistedState !== undefined) out.push(image.persistedState);
  return out;
}

/** Validation shared by boot and service: schema, referenced files present. */
function checkInput(image: unknown, files: Record<string, Uint8Array>): Image | Failure {
  const parsed = parseImage(image);
  if ("ok" in parsed) return parsed;
  for (const f of referencedFiles(parsed)) {
    if (!(f in files)) return failure("input", `file not found: ${f} (named by the image)`);
  }
  return parsed;
}

/** Loads the boot core and runs its self-test (proves the WASM runs on this platform). */
export async function selftestJson(opts: BootApiOptions): Promise<SelftestResult | Failure> {
  try {
    return runSelftest(await opts.loadShim());
  } catch (e) {
    return errorToFailure(e);
  }
}

/** Boots one image; resolves to exactly the CONTRACT.md `boot --json` object (success or failure). */
export async function bootImageJson(
  image: unknown,
  files: Record<string, Uint8Array>,
  opts: BootApiOptions,
): Promise<BootOutput | Failure> {
  try {
    const parsed = checkInput(image, files);
    if ("ok" in parsed) return parsed;
    const shim = await opts.loadShim();
    const st = runSelftest(shim);
    if (!st.ok) return failure("input", "boot core self-test failed: the WASM instance does not work");
    // INTEGRATION POINT: call the harness boot (the function behind `hclboot boot --json`) with
    // `parsed`, `files` and `shim` here and return its object. Until it lands, report honestly.
    return failure("input", BOOT_FLOW_UNAVAILABLE);
  } catch (e) {
    return errorToFailure(e);
  }
}

/** Boot, persist, boot again; resolves to exactly the CONTRACT.md `service --json` object. */
export async function serviceImageJson(
  image: unknown,
  files: Record<string, Uint8Array>,
  opts: BootApiOptions,
): Promise<ServiceOutput | Failure> {
  try {
    const parsed = checkInput(image, files);
    if ("ok" in parsed) return parsed;
    const shim = await opts.loadShim();
    const st = runSelftest(shim);
    if (!st.ok) return failure("input", "boot core self-test failed: the WASM instance does not work");
    // INTEGRATION POINT: call the harness servicing round trip (behind `hclboot service --json`).
    return failure("input", BOOT_FLOW_UNAVAILABLE);
  } catch (e) {
    return errorToFailure(e);
  }
}
