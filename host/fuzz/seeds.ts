//! Seed inputs of the byte targets: the host device trees of every image and device-tree fixture
//! (`dt`), and SavedState payloads written by the save side from boot-like topologies (`persisted`).
// Ports: nothing upstream (the seeds come from host/image, test/fixtures/dts and host/persist).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { readInputFile, readInputText } from "../image/read_file.js";
import { dirname, join, resolve } from "node:path";
import { loadImage } from "../image/load.js";
import { packageRoot } from "../wasm/node.js";
import { inputKey, seedFiles } from "./corpus.js";
import { Rng } from "./rng.js";
import { boringTopology, payloadFor, randomTopology } from "./targets/persisted_seed.js";

/** Keeps the first of identical inputs, each as a plain Uint8Array copy (not a Node Buffer view). */
function unique(inputs: Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return inputs.map((b) => new Uint8Array(b)).filter((b) => {
    const k = inputKey(b);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The host device tree of every images/*.json that resolves (generated or named), sorted by file. */
export function imageHostDeviceTrees(dir = join(packageRoot(), "images")): Uint8Array[] {
  if (!existsSync(dir)) return [];
  const out: Uint8Array[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
    try {
      out.push(loadImage(join(dir, name)).hostDeviceTree);
    } catch {
      // An image that does not resolve (a deliberate failure image) has no tree to seed with.
    }
  }
  return out;
}

/** Every test/fixtures/dts/*.dts compiled with dtc (none when dtc is missing). */
export function fixtureDtbs(dir = join(packageRoot(), "test", "fixtures", "dts")): Uint8Array[] {
  if (!existsSync(dir)) return [];
  const out: Uint8Array[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".dts")).sort()) {
    const r = spawnSync("dtc", ["-q", "-I", "dts", "-O", "dtb", join(dir, name)], { encoding: "buffer" });
    if (r.error || r.status !== 0) continue;
    out.push(new Uint8Array(r.stdout));
  }
  return out;
}

/** Seeds of the `dt` target: image trees, compiled fixtures and any .dtb under images/. */
export function dtSeeds(): Uint8Array[] {
  return unique([...imageHostDeviceTrees(), ...fixtureDtbs(), ...seedFiles(join(packageRoot(), "images"), "dtb")]);
}

/** Seeds of the `persisted` target: payloads saved from a fixed set of boot-like topologies. */
export function persistedSeeds(count = 24): Uint8Array[] {
  const out: Uint8Array[] = [payloadFor(boringTopology())];
  const rng = new Rng(0x5eed);
  for (let i = 0; i < count; i++) {
    try {
      out.push(payloadFor(randomTopology(rng)));
    } catch {
      // a topology usermode refuses to save
    }
  }
  return unique(out);
}

/**
 * A boot image file as a `boot` input: the blob it names (`hostDeviceTree`) and its saved state
 * (`persistedState`) inlined as hex, the `expect` key dropped. Throws when a file is unreadable.
 */
export function bootInputFromImageFile(path: string): { image: Record<string, unknown>; dtb?: string; persisted?: string } {
  const { expect: _e, ...image } = JSON.parse(readInputText(path, "image")) as Record<string, unknown>;
  const input: { image: Record<string, unknown>; dtb?: string; persisted?: string } = { image };
  if (typeof image.hostDeviceTree === "string") {
    input.dtb = Buffer.from(readInputFile(resolve(dirname(path), image.hostDeviceTree), "dtb")).toString("hex");
    image.hostDeviceTree = "fuzz.dtb";
  }
  if (typeof image.persistedState === "string") {
    input.persisted = Buffer.from(readInputFile(resolve(dirname(path), image.persistedState), "state")).toString("hex");
    image.persistedState = "fuzz-persisted.bin";
  }
  return input;
}

/** Seeds of the `boot` target: every images/*.json as an encoded boot input. */
export function bootSeeds(dir = join(packageRoot(), "images")): Uint8Array[] {
  if (!existsSync(dir)) return [];
  const out: Uint8Array[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
    try {
      out.push(new TextEncoder().encode(JSON.stringify(bootInputFromImageFile(join(dir, name)))));
    } catch {
      // unreadable image or file: not a seed
    }
  }
  return out;
}

/** The seeds of `target` (empty for the model-checked targets). */
export function targetSeeds(target: string): Uint8Array[] {
  switch (target) {
    case "dt": return dtSeeds();
    case "persisted": return persistedSeeds();
    case "boot": return bootSeeds();
    default: return [];
  }
}
