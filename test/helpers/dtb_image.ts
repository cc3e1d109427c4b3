// Test helper: turns a VM-description image into the equivalent image that names a host device
// tree: the tree the VM image generates, its imported regions (the list the VM's loader wrote) and
// its VTL2 memory (`shim.memoryStart`/`memorySize`), so both images give the shim the same inputs.
import { resolveImageWith, parseImage, type ResolvedImage } from "../../host/image/resolve.js";
import type { Vtl2Image } from "../../host/vtl2/load.js";
import { HV_PAGE_SIZE } from "../../host/vtl2/defs.js";

const hex = (v: bigint) => "0x" + v.toString(16);

/**
 * The image JSON (plus the files it names) of the DTB-only twin of `r`, whose VTL2 image was
 * `vtl2`; `raw` is `r`'s image file as JSON (its `binaries` and `hv` carry over as written).
 */
export function dtbImageJson(r: ResolvedImage, vtl2: Vtl2Image, raw: Record<string, unknown>): { json: Record<string, unknown>; files: Record<string, Uint8Array> } {
  // VTL2 memory is all the loader needs: it lays the image out there as it did for the VM (a
  // relocated image has the same offsets), so every other shim parameter comes out the same.
  const p = vtl2.params;
  const shim = { memoryStart: hex(p.memoryStartAddress), memorySize: hex(p.memorySize) };
  const importedRegions = vtl2.importedRegions.map((d) => ({
    start: hex(d.basePageNumber * HV_PAGE_SIZE),
    end: hex((d.basePageNumber + d.pageCount) * HV_PAGE_SIZE),
    accepted: d.accepted,
  }));
  const img = r.image;
  const files: Record<string, Uint8Array> = { "host.dtb": r.hostDeviceTree };
  if (r.persistedState) files["persisted.bin"] = r.persistedState;
  const json: Record<string, unknown> = {
    name: `${img.name ?? "image"}-dtb`,
    arch: r.arch,
    isolation: r.isolation,
    hostDeviceTree: "host.dtb",
    shim,
    importedRegions,
    ...(img.commandLine ? { commandLine: img.commandLine } : {}),
    ...(r.persistedState ? { persistedState: "persisted.bin" } : {}),
  };
  // Fields that describe neither the VM nor the tree carry over unchanged.
  if (raw.binaries !== undefined) json.binaries = raw.binaries;
  if (raw.hv !== undefined) json.hv = raw.hv;
  return { json, files };
}

/** Resolves the DTB-only twin of `r` (see dtbImageJson). */
export function dtbImageOf(r: ResolvedImage, vtl2: Vtl2Image, raw: Record<string, unknown>): ResolvedImage {
  const { json, files } = dtbImageJson(r, vtl2, raw);
  return resolveImageWith(parseImage(json, `${r.path} as hostDeviceTree`), (rel) => files[rel], `${r.path} as hostDeviceTree`);
}
