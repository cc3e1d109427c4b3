//! hclboot's library API (`import { boot } from "hclboot"`): boot, servicing round trip, fuzz
//! campaign and benchmark as functions returning the docs/CONTRACT.md objects, image loading, and
//! the lower-level harness for scripts that need more (kernel device tree, guest memory).
// Ports: none (the package's entry point; docs/CONTRACT.md)
import { join, resolve } from "node:path";
import type { BootOutput, Failure, ServiceOutput } from "./contract.js";
import { InputError, DtError } from "./errors.js";
import { bootFailure, bootImage } from "./harness/boot.js";
import { serviceImage, type Tamper } from "./harness/service.js";
import { loadImage, parseImage, resolveImage, type ResolvedImage } from "./image/load.js";
import { ShimPanic, type Shim } from "./wasm/loader.js";
import { loadShim, packageRoot } from "./wasm/node.js";
import type { BenchJson } from "./bench/report.js";
import type { SoakJson } from "./bench/soak.js";
import type { CampaignOptions, CampaignSummary } from "./fuzz/campaign.js";

export type * from "./contract.js";
export type { Image } from "./image/schema.js";
export type { ResolvedImage, ResolvedVm } from "./image/resolve.js";
export type { BootImageResult, BootImageOptions, E820Entry } from "./harness/boot.js";
export type { ServiceResult, Tamper } from "./harness/service.js";
export type { BenchJson, ResultJson, ScalingJson } from "./bench/report.js";
export type { SoakJson } from "./bench/soak.js";
export type { CampaignOptions, CampaignSummary, FindingSummary } from "./fuzz/campaign.js";
export { InputError, DtError, ShimPanic, loadShim, loadImage, resolveImage, parseImage, bootImage, serviceImage };
export type { Shim };
export { bootText } from "./harness/boot_text.js";
export { serviceText } from "./harness/service_text.js";
export { UPSTREAM_COMMIT, packageVersion } from "./version.js";

/** An image: a path to an image file, an image object (as in an image file) or a loaded image. */
export type ImageInput = string | ResolvedImage | Record<string, unknown>;

/** Options of `boot`/`service`: a boot core instance to reuse, and where an object's paths are relative to. */
export interface RunOptions {
  /** Reused across calls when given (one call at a time); a new instance otherwise. */
  shim?: Shim;
  /** Directory the paths inside an image object are relative to (default: the working directory). */
  dir?: string;
}

/** The package's default image, images/small.json (what `hclboot boot` boots without an argument). */
export function defaultImagePath(): string {
  return join(packageRoot(), "images", "small.json");
}

function isResolved(image: ImageInput): image is ResolvedImage {
  return typeof image === "object" && image !== null && (image as ResolvedImage).hostDeviceTree instanceof Uint8Array;
}

/** Loads an ImageInput (InputError when it is unusable). */
export function toImage(image: ImageInput, dir = process.cwd()): ResolvedImage {
  if (typeof image === "string") return loadImage(image);
  if (isResolved(image)) return image;
  return resolveImage(parseImage(image), resolve(dir), "<image>");
}

function asFailure(e: unknown): Failure {
  if (e instanceof InputError || e instanceof DtError || e instanceof ShimPanic) return bootFailure(e);
  throw e;
}

/** Boots an image: exactly what `hclboot boot --json` prints (the boot object, or the failure object with the log so far). */
export async function boot(image: ImageInput, opts: RunOptions = {}): Promise<BootOutput | Failure> {
  try {
    const r = toImage(image, opts.dir);
    return bootImage(r, { shim: opts.shim ?? (await loadShim()) }).output;
  } catch (e) {
    return asFailure(e);
  }
}

/** Options of `service`: `hclboot service`'s --no-io-cpus, --io-cpus and --tamper. */
export interface ServiceRunOptions extends RunOptions {
  noIoCpus?: number[];
  ioCpus?: number[];
  tamper?: Tamper;
}

/** Servicing round trip (boot, save, boot from the saved state): what `hclboot service --json` prints. */
export async function service(image: ImageInput, opts: ServiceRunOptions = {}): Promise<ServiceOutput | Failure> {
  try {
    const r = toImage(image, opts.dir);
    const shim = opts.shim ?? (await loadShim());
    return serviceImage(r, { shim, noIoCpus: opts.noIoCpus ?? [], ioCpus: opts.ioCpus ?? [], ...(opts.tamper ? { tamper: opts.tamper } : {}) }).output;
  } catch (e) {
    return asFailure(e);
  }
}

/** A fuzz campaign (`hclboot fuzz`): defaults as the CLI's (target ranges, seed 1, 10000 runs, fuzz/corpus|findings/TARGET). */
export async function fuzz(opts: Partial<CampaignOptions> = {}): Promise<CampaignSummary> {
  const { runCampaign } = await import("./fuzz/campaign.js");
  const { defaultWorkers } = await import("./fuzz/workers.js");
  const target = opts.target ?? "ranges";
  const seconds = opts.seconds ?? 0;
  const runs = opts.runs ?? 0;
  return runCampaign({
    ...opts,
    target,
    seed: opts.seed ?? 1,
    runs: runs === 0 && seconds === 0 ? 10000 : runs,
    seconds,
    workers: opts.workers ?? defaultWorkers(),
    corpusDir: opts.corpusDir ?? join("fuzz", "corpus", target),
    outDir: opts.outDir ?? join("fuzz", "findings", target),
  });
}

/** Options of `bench`. */
export interface BenchOptions {
  /** The quick sweep (`hclboot bench --quick`). */
  quick?: boolean;
  /** Told about each point before it is measured. */
  progress?: (done: number, total: number, label: string) => void;
}

/** The phase benchmark sweep: what `hclboot bench --json` prints. */
export async function bench(opts: BenchOptions = {}): Promise<BenchJson> {
  const { runBench } = await import("./bench/run.js");
  const { sweepConfigs } = await import("./bench/sweep.js");
  const { QUICK_TIMING, FULL_TIMING } = await import("./bench/timing.js");
  const quick = opts.quick === true;
  const doc = await runBench(sweepConfigs(quick), quick ? QUICK_TIMING : FULL_TIMING, opts.progress);
  doc.quick = quick;
  return doc;
}

/** Boots one image `boots` times in one instance (`hclboot bench --soak`). */
export async function soak(image: ImageInput, boots: number, opts: { dir?: string } = {}): Promise<SoakJson> {
  const { runSoak } = await import("./bench/soak.js");
  return runSoak(toImage(image, opts.dir), boots);
}
