//! Adapters from a resolved image to the inputs of the guest memory builder and the VTL2 image
//! loader (host/guest, host/vtl2), so the harness wires one image into one boot.
// Ports: none (host plumbing)

import { InputError } from "../errors.js";
import type { GuestMemoryLayout } from "../guest/guest_memory.js";
import type { Vtl2ImageInput } from "../vtl2/load.js";
import { supportsRelocation } from "../vtl2/layout.js";
import type { ResolvedImage } from "./resolve.js";
import { PARAVISOR_DEFAULT_MEMORY_BASE_ADDRESS } from "../vtl2/defs.js";

/** The guest memory layout of a VM image (RAM with nodes, MMIO gaps, the VTL2-only range). */
export function guestMemoryLayout(r: ResolvedImage): GuestMemoryLayout | null {
  if (!r.vm) return null;
  const l = r.vm.memoryLayout;
  const vtl2 = l.vtl2Range();
  return {
    ram: l.ram().map((x) => ({ start: x.range.start, end: x.range.end, vnode: x.vnode })),
    mmio: l.mmio().map((g) => ({ start: g.start, end: g.end })),
    vtl2Range: vtl2 ? { start: vtl2.start, end: vtl2.end } : null,
  };
}

/**
 * The VTL2 loader's input: VTL2 memory is where the VM's VTL2 image lives; for a `hostDeviceTree`
 * image it must come from `shim.memoryStart` and `shim.memorySize`. In the relocating modes
 * (absolute, memory-layout) the IGVM file is one built for the default base (128 MiB) with
 * `igvmSize` bytes of VTL2 memory, which OpenVMM relocates; a file of an isolated x86_64 VM
 * declares no relocation and is taken as built for the placed range.
 */
export function vtl2ImageInput(r: ResolvedImage): Vtl2ImageInput {
  const img = r.image;
  let base: bigint;
  let size: bigint;
  let fileBase: bigint | undefined;
  if (r.vm) {
    base = r.vm.vtl2ImageRange.start;
    size = r.vm.vtl2ImageRange.len;
    const mode = r.vm.vtl2BaseAddress.type;
    if (mode === "absolute" || mode === "memory-layout") {
      // The shim's memory size is the file's, not the (possibly larger) layout range.
      size = img.vm!.vtl2.igvmSize;
      if (supportsRelocation(r.arch, r.isolation)) fileBase = PARAVISOR_DEFAULT_MEMORY_BASE_ADDRESS;
    }
  } else {
    if (img.shim?.memoryStart === undefined || img.shim?.memorySize === undefined) {
      throw new InputError(`${r.path}: shim: an image with hostDeviceTree needs shim.memoryStart and shim.memorySize`);
    }
    base = img.shim.memoryStart;
    size = img.shim.memorySize;
    // VTL2 memory is then the guest's only RAM: it must be a non-empty page-aligned range.
    if (size === 0n || (base & 0xfffn) !== 0n || (size & 0xfffn) !== 0n || base + size > 0xffff_ffff_ffff_f000n) {
      throw new InputError(
        `${r.path}: shim.memorySize: VTL2 memory 0x${base.toString(16)}+0x${size.toString(16)} is not a non-empty, page-aligned range below 2^64`,
      );
    }
  }
  return {
    arch: r.arch,
    isolation: r.isolation,
    vtl2Base: base,
    vtl2Size: size,
    ...(fileBase !== undefined ? { fileBase } : {}),
    hostDeviceTree: r.hostDeviceTree,
    ...(img.commandLine ? { commandLine: img.commandLine } : {}),
    ...(img.importedRegions ? { importedRegions: img.importedRegions } : {}),
    ...(r.persistedState ? { persistedState: r.persistedState } : {}),
    ...(img.shim ? { shim: img.shim } : {}),
    ...(img.binaries ? { binaries: img.binaries } : {}),
  };
}
