//! Default imported regions: the pages the OpenHCL loader imports into the IGVM file, one
//! descriptor per import (tags differ, so the builder does not merge them), sorted by page.
// Ports: vm/loader/src/paravisor.rs (its import_pages calls) and
// vm/loader/igvmfilegen/src/file_loader.rs (imported_regions + the config page itself).

import type { GuestMemory } from "../guest/guest_memory.js";
import {
  HV_PAGE_SIZE,
  PARAVISOR_CONFIG_DEVICE_TREE_PAGE_INDEX,
  PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES,
  PARAVISOR_CONFIG_PPTT_PAGE_INDEX,
  PARAVISOR_CONFIG_PPTT_SIZE_PAGES,
  PARAVISOR_CONFIG_SLIT_PAGE_INDEX,
  PARAVISOR_CONFIG_SLIT_SIZE_PAGES,
  PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_INDEX,
  PARAVISOR_RESERVED_VTL2_SNP_VMSA_PAGE_INDEX,
  PARAVISOR_RESERVED_VTL2_SNP_CPUID_PAGE_INDEX,
  PARAVISOR_RESERVED_VTL2_SNP_SECRETS_PAGE_INDEX,
  PARAVISOR_VTL0_MEASURED_CONFIG_BASE_PAGE_AARCH64,
  PARAVISOR_VTL0_MEASURED_CONFIG_BASE_PAGE_X64,
  type ImportedRegionDescriptor,
} from "./defs.js";
import type { Area, Isolation, Vtl2Layout } from "./layout.js";
import { expectedPageHashesArea } from "./page_hashes.js";
import { atLeast } from "../upstream.js";

/** The page TDX's reset vector code is imported at (the architectural reset page below 4 GiB). */
export const TDX_RESET_PAGE = 0xfffffn;

/**
 * The imported-page list the IGVM builder records for `layout`: every range paravisor.rs imports
 * or declares as a parameter area, the SNP VMSA page and the TDX reset page (VP context pages),
 * the VTL0 measured config page and the imported-regions page itself. VTL0 payloads an IGVM
 * configuration may add (UEFI firmware and its VP context page, a Linux command line page) are
 * not modeled.
 */
export function defaultImportedRegions(
  _gm: GuestMemory,
  l: Vtl2Layout,
  isolation: Isolation,
  configPage: bigint,
): ImportedRegionDescriptor[] {
  const out: ImportedRegionDescriptor[] = [];
  const shared = isolation === "snp" || isolation === "tdx";
  const add = (a: Area | null, accepted = true) => {
    if (!a || a.end <= a.start) return;
    out.push({ basePageNumber: a.start / HV_PAGE_SIZE, pageCount: (a.end - a.start + HV_PAGE_SIZE - 1n) / HV_PAGE_SIZE, accepted });
  };
  const page = (pn: bigint) => ({ start: pn * HV_PAGE_SIZE, end: (pn + 1n) * HV_PAGE_SIZE });

  // Kernel and initrd are imported shared on hardware-isolated VMs (accepted later by the shim).
  add(l.kernel, !shared);
  add(l.sidecar);
  add(l.shim);
  add(l.initrd, !shared);
  add(l.gdt);
  add(l.shimParams);
  add(l.commandLine);
  if (isolation === "snp" && l.reserved) {
    const rp = l.reserved.start / HV_PAGE_SIZE;
    add(page(rp + PARAVISOR_RESERVED_VTL2_SNP_SECRETS_PAGE_INDEX));
    add(page(rp + PARAVISOR_RESERVED_VTL2_SNP_CPUID_PAGE_INDEX));
    add(page(rp + PARAVISOR_RESERVED_VTL2_SNP_CPUID_PAGE_INDEX + 1n));
    // The VMSA: the VP context page, imported when the builder finalizes the VP context.
    add(page(rp + PARAVISOR_RESERVED_VTL2_SNP_VMSA_PAGE_INDEX));
  }
  // TDX's VP context is reset-vector code on the architectural reset page.
  if (isolation === "tdx" && l.arch === "x86_64") add(page(TDX_RESET_PAGE));
  add(l.logBuffer);
  add(l.heap);
  add(l.pageTables);
  // The VTL0 measured config page: the file always imports it (the host must have RAM there).
  add(page(l.arch === "x86_64" ? PARAVISOR_VTL0_MEASURED_CONFIG_BASE_PAGE_X64 : PARAVISOR_VTL0_MEASURED_CONFIG_BASE_PAGE_AARCH64));
  // The three parameter areas (SLIT, PPTT, device tree) are accepted ranges of their own.
  const pr = l.parameterRegion.start / HV_PAGE_SIZE;
  const pages = (first: bigint, count: bigint): Area => ({ start: first * HV_PAGE_SIZE, end: (first + count) * HV_PAGE_SIZE });
  add(pages(pr + PARAVISOR_CONFIG_SLIT_PAGE_INDEX, PARAVISOR_CONFIG_SLIT_SIZE_PAGES));
  add(pages(pr + PARAVISOR_CONFIG_PPTT_PAGE_INDEX, PARAVISOR_CONFIG_PPTT_SIZE_PAGES));
  add(pages(pr + PARAVISOR_CONFIG_DEVICE_TREE_PAGE_INDEX, PARAVISOR_CONFIG_DEVICE_TREE_SIZE_PAGES));
  add(page(pr + PARAVISOR_MEASURED_VTL2_CONFIG_PAGE_INDEX));
  // 61fd38fe6 (1488a37): the IGVM builder imports the expected-hashes region before it lists the
  // imported regions, so the list covers it.
  if (atLeast(l.upstream, "1488a37")) add(expectedPageHashesArea(pr));
  add(page(configPage));
  out.sort((a, b) => (a.basePageNumber < b.basePageNumber ? -1 : a.basePageNumber > b.basePageNumber ? 1 : 0));
  return out;
}
