//! The OpenHCL kernel command line: fixed kernel parameters, architecture and isolation
//! parameters, console, confidentiality flags, NVMe keep-alive, the sidecar's boot_cpus, the
//! VMBus connection id, then the partition's own command line.
// Ports: openhcl/openhcl_boot/src/main.rs (build_kernel_command_line)

import { ShimParams, ISOLATION_NONE, ARCH_AARCH64, isHardwareIsolated } from "../host_params/shim_params/shim_params";
import { PartitionInfo } from "../host_params/mod/partition_info";
import { SidecarConfig } from "../sidecar/sidecar";
import { CmdlineBuf, COMMAND_LINE_SIZE } from "./cmdline_buf";

/** Parameters for every OpenHCL kernel (one literal: a static string, not built at start-up). */
const KERNEL_PARAMETERS: string = "loglevel=8 log_buf_len=128K printk.time=1 console_msg_format=syslog uio_hv_generic.no_mask=1 coredump_filter=0x33 cpufreq.off=1 cpuidle.off=1 cryptomgr.notests idle=halt initcall_blacklist=init_real_mode,sbf_init lpj=3000000 no_timer_check noxsave oops=panic panic_on_warn=0 panic_print=0 panic=-1 printk.devkmsg=on reboot=t rootfstype=tmpfs sysctl.vm.compaction_proactiveness=0 tsc=reliable unknown_nmi_panic=1 vfio_pci.ids=1414:00ba vfio.enable_unsafe_noiommu_mode=1 rdinit=/underhill-init OPENHCL_NVME_VFIO=1 hv_storvsc.storvsc_vcpus_per_sub_channel=2048 hv_storvsc.storvsc_max_hw_queues=2 hv_storvsc.storvsc_ringbuffer_size=0x8000 MIMALLOC_ARENA_EAGER_COMMIT=0 acpi=off ";

/** x86_64 only: no PCID (nested on AMD), no IOMMU, no PCI probing. */
const X86_KERNEL_PARAMETERS: string = "clearcpuid=pcid iommu=off pci=off ";

/** Inputs besides the partition (upstream BuildKernelCommandLineParams). */
@final
export class KernelCommandLineParams {
  canTrustHost: bool = false;
  isConfidentialDebug: bool = false;
  sidecar: SidecarConfig | null = null;
  vtl2PoolSupported: bool = false;
}

/** Builds the kernel command line; null when it does not fit (CommandLineTooLong). */
export function buildKernelCommandLine(params: ShimParams, info: PartitionInfo, p: KernelCommandLineParams): CmdlineBuf | null {
  const b = new CmdlineBuf(COMMAND_LINE_SIZE);
  if (!b.str(KERNEL_PARAMETERS)) return null;
  if (params.arch != ARCH_AARCH64 && !b.str(X86_KERNEL_PARAMETERS)) return null;
  // A small SWIOTLB: 8 MiB when hardware isolated (bounce buffering is real), else the minimum.
  if (!b.str(isHardwareIsolated(params.isolationType) ? "swiotlb=4096,1 " : "swiotlb=1,1 ")) return null;

  const console = info.com3SerialAvailable && p.canTrustHost ? "ttyS2,115200" : "ttynull";
  if (!b.str("console=") || !b.str(console) || !b.byte(0x20)) return null;

  if (params.isolationType != ISOLATION_NONE && !b.str("OPENHCL_CONFIDENTIAL=1 ")) return null;
  if (p.isConfidentialDebug && !b.str("OPENHCL_CONFIDENTIAL_DEBUG=1 ")) return null;

  if (!b.str("OPENHCL_NVME_KEEP_ALIVE=")) return null;
  if (info.bootOptions.disableNvmeKeepAlive && !b.str("disabled,")) return null;
  if (!b.str(info.nvmeKeepalive ? "host," : "nohost,")) return null;
  if (!b.str(p.vtl2PoolSupported ? "privatepool " : "noprivatepool ")) return null;

  const sidecar = p.sidecar;
  if (sidecar !== null) {
    if (!sidecar.writeKernelCommandLine(b) || !b.byte(0x20)) return null;
  }

  if (!b.contains("hv_vmbus.message_connection_id")) {
    // The kernel cannot take the connection id from the device tree yet.
    if (!b.str("hv_vmbus.message_connection_id=0x") || !b.hex(<u64>info.vmbusVtl2.connectionId) || !b.byte(0x20)) return null;
  }

  if (!b.str(info.cmdline)) return null;
  return b;
}
