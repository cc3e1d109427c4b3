//! Hypervisor stub: answers the boot core's hv_* imports (CPUID, VTL, registers, hypercall page,
//! reference clock, VP indexes, TSC, sidecar entry point) from an HvConfig. One call per query.
// Ports: none (stands in for the Microsoft hypervisor the shim calls)
import { defaultHvConfig, type HvConfig } from "./schema.js";
import { startSidecarStub, type SidecarStartRecord } from "./sidecar.js";

const VSM_CAPABILITIES = 0x000d0006;
const VSM_CODE_PAGE_OFFSETS = 0x000d0002;
/** HvError codes the stub answers with. */
const HV_STATUS_INVALID_PARAMETER = 0x0005;
/** HvRegisterVsmCapabilities bits (hvdef): intercept page, return action, VTL0 alias map, intercept-not-present. */
const VSM_CAP_INTERCEPT_PAGE = 1n << 27n;
const VSM_CAP_RETURN_ACTION = 1n << 28n;
const VSM_CAP_VTL0_ALIAS_MAP = 1n << 29n;
const VSM_CAP_INTERCEPT_NOT_PRESENT = 1n << 30n;
/** HvRegisterVsmCodePageOffsets as OpenVMM reports it without a hypervisor (call 0xf, return 0x28). */
const VSM_CODE_PAGE_OFFSETS_VALUE = 0xfn | (0x28n << 12n);

/** The stub state of one boot: configuration plus the clock and what the sidecar was given. */
export class Hypervisor {
  private clock: bigint;
  private tsc = 0x1_0000_0000n;
  /** The VM's CPUs by hardware id, in VP index order (identity mapping when unset). */
  private vpByHwId: Map<bigint, number> | undefined;
  /** Hardware ids looked up so far (the lookup fails after `vpIndexFailAfter` of them in total). */
  private vpIdsLookedUp = 0;
  /** SidecarParams as the sidecar entry point last received them (for tests and reports). */
  lastSidecarStart: SidecarStartRecord | undefined;

  constructor(readonly config: HvConfig = defaultHvConfig(), readonly arch: "x86_64" | "aarch64" = "x86_64") {
    this.clock = config.referenceTime.start;
  }

  /** CPUID leaf/subleaf → [eax, ebx, ecx, edx]. */
  cpuid(leaf: number, _subleaf: number): [number, number, number, number] {
    switch (leaf >>> 0) {
      case 1:
        return [0x000806f8, 0, this.config.x2apic ? 1 << 21 : 0, 0];
      case 0x15:
        return [1, this.config.tscFrequency25MHz, 0, 0];
      case 0x8000_0000:
        return [0x8000_0008, 0, 0, 0];
      case 0x8000_0008:
        return [this.config.physicalAddressBits & 0xff, 0, 0, 0];
      default:
        return [0, 0, 0, 0];
    }
  }

  /** Current VTL. */
  vtl(): number {
    return this.config.vtl;
  }

  /**
   * Register read → [status, value]. VsmCapabilities is what OpenVMM's hypervisor emulation
   * (virt_whp) reports: intercept page and return action always, the VTL0 alias map when
   * configured and in VTL2, intercept-not-present in VTL2.
   */
  getRegister(name: number): [number, bigint] {
    if (name === VSM_CAPABILITIES) {
      if (this.config.vsmCapabilitiesStatus !== 0) return [this.config.vsmCapabilitiesStatus, 0n];
      const vtl2 = this.config.vtl === 2;
      let v = VSM_CAP_INTERCEPT_PAGE | VSM_CAP_RETURN_ACTION;
      if (vtl2 && this.config.vtl0AliasMapAvailable) v |= VSM_CAP_VTL0_ALIAS_MAP;
      if (vtl2) v |= VSM_CAP_INTERCEPT_NOT_PRESENT;
      return [0, v];
    }
    if (name === VSM_CODE_PAGE_OFFSETS) return [0, VSM_CODE_PAGE_OFFSETS_VALUE];
    return [HV_STATUS_INVALID_PARAMETER, 0n];
  }

  /** Hypercall page address. */
  hypercallPage(): bigint {
    return this.config.hypercallPage;
  }

  /** Reference time: advances by the configured step on every read (deterministic). */
  referenceTime(): bigint {
    const t = this.clock;
    this.clock += this.config.referenceTime.step;
    return t;
  }

  /** TSC: advances by 1000 cycles on every read. */
  rdtsc(): bigint {
    const t = this.tsc;
    this.tsc += 1000n;
    return t;
  }

  /** ID_AA64MMFR0_EL1 with PARange encoding the configured physical address bits. */
  mmfr0(): bigint {
    const enc: Record<number, number> = { 32: 0, 36: 1, 40: 2, 42: 3, 44: 4, 48: 5, 52: 6, 56: 7 };
    return BigInt(enc[this.config.physicalAddressBits] ?? 0xf);
  }

  /** Tells the hypervisor the VM's CPUs: hardware id (APIC id / MPIDR) of VP 0, 1, ... */
  setVpTopology(hwIds: bigint[]): void {
    // x86 APIC ids are 32-bit: the shim looks up the low 32 bits of each CPU's reg.
    const key = (id: bigint) => (this.arch === "x86_64" ? BigInt.asUintN(32, id) : id);
    this.vpByHwId = new Map(hwIds.map((id, i) => [key(id), i]));
  }

  /**
   * HvCallGetVpIndexFromApicId over one call's hardware ids → [status, indexes processed]. An id
   * the VM does not have fails with InvalidParameter at its position, as OpenVMM's hypervisor
   * emulation does; `vpIndexFailStatus` fails once `vpIndexFailAfter` ids were looked up in total
   * (the shim splits the list over several calls).
   */
  vpIndexFromHwId(ids: bigint[]): [number, number[]] {
    const out: number[] = [];
    for (const id of ids) {
      if (this.config.vpIndexFailStatus !== 0 && this.vpIdsLookedUp >= this.config.vpIndexFailAfter) {
        return [this.config.vpIndexFailStatus, out];
      }
      const o = this.config.vpIndexOverrides[`0x${id.toString(16)}`] ?? this.config.vpIndexOverrides[id.toString()];
      const known = this.vpByHwId?.get(id);
      if (o === undefined && this.vpByHwId !== undefined && known === undefined) return [HV_STATUS_INVALID_PARAMETER, out];
      out.push(o ?? known ?? Number(id));
      this.vpIdsLookedUp++;
    }
    return [0, out];
  }

  /** Sidecar entry point over the SidecarParams/SidecarOutput pages; true on success. */
  sidecarStart(params: Uint8Array, output: Uint8Array): boolean {
    const r = startSidecarStub(params, output, this.config.sidecarError, (name) => this.getRegister(name));
    this.lastSidecarStart = r.record;
    return r.ok;
  }
}
