// Shared builders for the hand-off tests: partitions with N CPUs over M NUMA nodes, and a
// hypervisor stub from `hv` settings.
import type { HandoffInput, AddressRangeIn, MemoryEntryIn } from "../../host/shim/handoff.js";
import { Hypervisor } from "../../host/hv/hypervisor.js";
import { hvSchema } from "../../host/hv/schema.js";

export const MB = 0x10_0000n;
export const GB = 0x4000_0000n;
/** A bounce buffer for SNP/TDX partitions (2 MiB aligned, 2 MiB; the TDX shim requires one). */
export const BOUNCE_BUFFER = { start: 2n * GB, end: 2n * GB + 2n * MB };

/** The fixed kernel parameters every command line starts with (upstream `KERNEL_PARAMETERS`), space-joined. */
export const KERNEL_BASE_PARAMETERS =
  "loglevel=8 log_buf_len=128K printk.time=1 console_msg_format=syslog uio_hv_generic.no_mask=1 " +
  "coredump_filter=0x33 cpufreq.off=1 cpuidle.off=1 cryptomgr.notests idle=halt " +
  "initcall_blacklist=init_real_mode,sbf_init lpj=3000000 no_timer_check noxsave oops=panic " +
  "panic_on_warn=0 panic_print=0 panic=-1 printk.devkmsg=on reboot=t rootfstype=tmpfs " +
  "sysctl.vm.compaction_proactiveness=0 tsc=reliable unknown_nmi_panic=1 vfio_pci.ids=1414:00ba " +
  "vfio.enable_unsafe_noiommu_mode=1 rdinit=/underhill-init OPENHCL_NVME_VFIO=1 " +
  "hv_storvsc.storvsc_vcpus_per_sub_channel=2048 hv_storvsc.storvsc_max_hw_queues=2 " +
  "hv_storvsc.storvsc_ringbuffer_size=0x8000 MIMALLOC_ARENA_EAGER_COMMIT=0 acpi=off ";
/** The x86_64 parameters that follow them (upstream `X86_KERNEL_PARAMETERS`; aarch64 has none). */
export const KERNEL_X86_PARAMETERS = "clearcpuid=pcid iommu=off pci=off ";

/** A partition with `cpus` CPUs spread evenly over `nodes` vnodes (consecutive) and `perNode`
 * bytes of free VTL2 RAM per node starting at 1 GiB, one node after another. */
export function partition(cpus: number, nodes: number, perNode = 16n * MB): HandoffInput {
  const per = Math.ceil(cpus / nodes);
  const cpuList = Array.from({ length: cpus }, (_, i) => ({ reg: i, vnode: Math.floor(i / per) }));
  const vtl2Ram: MemoryEntryIn[] = [];
  const addressSpace: AddressRangeIn[] = [];
  for (let n = 0; n < nodes; n++) {
    const start = GB + BigInt(n) * perNode;
    vtl2Ram.push({ start, end: start + perNode, vnode: n, memType: 6 });
    addressSpace.push({ start, end: start + perNode, vnode: n, usage: "free" });
  }
  const ramEnd = GB + BigInt(nodes) * perNode;
  return {
    cpus: cpuList,
    vtl2Ram,
    partitionRam: [
      { start: 0n, end: GB, vnode: 0, memType: 0 },
      ...vtl2Ram.map((r) => ({ ...r })),
      { start: ramEnd, end: ramEnd + 4n * GB, vnode: 0, memType: 0 },
    ],
    addressSpace,
    vmbusVtl2: { connectionId: 4, mmio: [{ start: 0xf_f000_0000n, end: 0x10_0000_0000n }] },
    vmbusVtl0: { connectionId: 1, mmio: [{ start: 0xe000_0000n, end: 0xf000_0000n }] },
    sidecarSize: 0x10_0000n,
    sidecarEntryAddress: 0x20_0000n,
    initrd: { base: 0x4000_0000n, size: 0n, crc: 0 },
  };
}

/** A hypervisor stub with the image-style `hv` settings `cfg` (defaults for the rest). */
export function hv(cfg: object = {}): Hypervisor {
  return new Hypervisor(hvSchema.parse(cfg));
}
