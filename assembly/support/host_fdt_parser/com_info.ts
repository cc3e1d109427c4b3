//! The host's COM3 serial device (`ComInfo`, 1488a37): none, an x86 ns16550 at COM3's I/O port
//! with its speed, or an arm64 PL011 (`arm,sbsa-uart`) with MMIO base, interrupt id and speed.
// Ports: openhcl/host_fdt_parser/src/lib.rs (ComInfo; upstream commits 1ac787c2f, 0c806a773)

/** No serial port configured. */
export const COM_NONE: u8 = 0;
/** Serial device on x86 (`Ns16550 { base, current_speed }`). */
export const COM_NS16550: u8 = 1;
/** Serial device on arm64 (`Pl011 { base, intid, current_speed }`). */
export const COM_PL011: u8 = 2;

/** One ComInfo value. At 37a2806 only `none` and `ns16550` (speed unused) occur. */
@final
export class ComInfo {
  kind: u8 = COM_NONE;
  /** I/O port (ns16550, a u64 upstream) or MMIO base (PL011, a u32 upstream). */
  base: u64 = 0;
  intid: u32 = 0;
  currentSpeed: u32 = 0;

  /** Back to `None`. */
  clear(): void {
    this.kind = COM_NONE;
    this.base = 0;
    this.intid = 0;
    this.currentSpeed = 0;
  }

  /** Copies `o`. */
  copyFrom(o: ComInfo): void {
    this.kind = o.kind;
    this.base = o.base;
    this.intid = o.intid;
    this.currentSpeed = o.currentSpeed;
  }

  /** Rust's `{:#x?}` of the value (pretty Debug with hex integers, several lines). */
  debugPrettyHex(): string {
    if (this.kind == COM_NS16550) {
      return "Ns16550 {\n    base: 0x" + this.base.toString(16) + ",\n    current_speed: 0x" + this.currentSpeed.toString(16) + ",\n}";
    }
    if (this.kind == COM_PL011) {
      return "Pl011 {\n    base: 0x" + this.base.toString(16) + ",\n    intid: 0x" + this.intid.toString(16) +
        ",\n    current_speed: 0x" + this.currentSpeed.toString(16) + ",\n}";
    }
    return "None";
  }
}
