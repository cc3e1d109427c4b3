//! Platform-neutral boot API of the playground: an image object and its files in, the CONTRACT.md JSON out.
// Ports: none (hclboot's contract; the boot itself is openhcl/openhcl_boot/src/main.rs via the harness)
//
// Nothing here touches node:fs or the DOM: the browser page calls it with a shim loader from
// host/wasm/browser.ts, Node code with the one from host/wasm/node.ts. The page only ever imports
// this module; the boot itself is host/harness/boot.ts and service.ts, as behind the CLI.
import { imageSchema, type Image } from "../image/schema.js";
import { resolveImageWith, type ResolvedImage } from "../image/resolve.js";
import { bootImage, bootFailure } from "./boot.js";
import { serviceImage, TAMPERS, parseCpuList, type Tamper } from "./service.js";
import { InputError, DtError } from "../errors.js";
import { Shim, ShimPanic } from "../wasm/loader.js";
import { failure, type BootOutput, type ServiceOutput, type Failure } from "../contract.js";
import { runSelftest, type SelftestResult } from "./selftest.js";
import { errorToFailure } from "./failure.js";

/** How the API gets a boot core instance (browser: fetch + compile; Node: read build/). */
export interface BootApiOptions {
  loadShim: () => Promise<Shim>;
}

/** Service options the page may pass (as `hclboot service` takes them). */
export interface ServiceApiOptions {
  noIoCpus?: string;
  ioCpus?: string;
  tamper?: Tamper;
}

/** One boot core instance per loader, reused across boots (the harness resets it per boot). */
const shims = new WeakMap<BootApiOptions["loadShim"], Promise<Shim>>();

/** The loader's cached instance, self-tested once; a failed load is not cached. */
/** The boot core could not be fetched or compiled (missing file, network): the environment's
 * problem, reported as input (a bug in hclboot would be "internal"). */
function loaderFailure(e: unknown): Failure {
  return failure("input", e instanceof Error ? e.message : String(e));
}

async function shimFor(opts: BootApiOptions): Promise<Shim | Failure> {
  let p = shims.get(opts.loadShim);
  if (!p) {
    p = opts.loadShim();
    shims.set(opts.loadShim, p);
    p.catch(() => shims.delete(opts.loadShim));
    let shim: Shim;
    try {
      shim = await p;
    } catch (e) {
      return loaderFailure(e);
    }
    if (!runSelftest(shim).ok) {
      shims.delete(opts.loadShim);
      return failure("input", "boot core self-test failed: the WASM instance does not work");
    }
  }
  return p;
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

/** Validation shared by boot and service: schema, referenced files present, then resolution. */
function checkInput(image: unknown, files: Record<string, Uint8Array>): ResolvedImage | Failure {
  const parsed = parseImage(image);
  if ("ok" in parsed) return parsed;
  for (const f of referencedFiles(parsed)) {
    if (!(f in files)) return failure("input", `file not found: ${f} (named by the image)`);
  }
  return resolveImageWith(parsed, (rel) => files[rel]);
}

/** Loads the boot core and runs its self-test (proves the WASM runs on this platform). */
export async function selftestJson(opts: BootApiOptions): Promise<SelftestResult | Failure> {
  let shim: Shim;
  try {
    shim = await opts.loadShim();
  } catch (e) {
    return loaderFailure(e);
  }
  try {
    return runSelftest(shim);
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
    const resolved = checkInput(image, files);
    if ("ok" in resolved) return resolved;
    const shim = await shimFor(opts);
    if ("ok" in shim) return shim;
    return bootImage(resolved, { shim }).output;
  } catch (e) {
    return e instanceof InputError || e instanceof DtError || e instanceof ShimPanic ? bootFailure(e) : errorToFailure(e);
  }
}

/** Boot, persist, boot again; resolves to exactly the CONTRACT.md `service --json` object. */
export async function serviceImageJson(
  image: unknown,
  files: Record<string, Uint8Array>,
  opts: BootApiOptions,
  service: ServiceApiOptions = {},
): Promise<ServiceOutput | Failure> {
  try {
    const resolved = checkInput(image, files);
    if ("ok" in resolved) return resolved;
    if (service.tamper !== undefined && !(TAMPERS as readonly string[]).includes(service.tamper)) {
      return failure("input", `tamper: expected one of ${TAMPERS.join(", ")}, got "${service.tamper}"`);
    }
    const shim = await shimFor(opts);
    if ("ok" in shim) return shim;
    return serviceImage(resolved, {
      shim,
      noIoCpus: parseCpuList(service.noIoCpus ?? "", "noIoCpus"),
      ioCpus: parseCpuList(service.ioCpus ?? "", "ioCpus"),
      ...(service.tamper ? { tamper: service.tamper } : {}),
    }).output;
  } catch (e) {
    return e instanceof InputError || e instanceof DtError || e instanceof ShimPanic ? bootFailure(e) : errorToFailure(e);
  }
}
