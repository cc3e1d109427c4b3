//! WASM loader: instantiates the boot core through @wasmer/wasi, wires the hypervisor-stub imports
//! (guest memory copies) and turns traps into ShimPanic errors carrying the shim's message.
// Ports: none (host plumbing)
import { init as wasiInit, WASI } from "@wasmer/wasi";
import { Reader } from "./codec.js";
import { ShimPanic, InternalError } from "../errors.js";
import { defaultUpstream, type UpstreamPin } from "../upstream.js";

/** Whole-range guest memory access the shim's imports go through (see host/guest). */
export interface GuestAccess {
  /** Copies guest bytes at `gpa` into `dst`; false when any byte is unmapped. */
  read(gpa: bigint, dst: Uint8Array): boolean;
  /** Copies `src` into guest memory at `gpa`; false when any byte is unmapped or read-only. */
  write(gpa: bigint, src: Uint8Array): boolean;
  /**
   * Where the data of [gpa, gpa+len) ends: every byte at or past the returned offset reads as
   * zero (any upper bound will do, `len` always does); null when a read of the range would fault.
   */
  dataExtent?(gpa: bigint, len: number): number | null;
}

// ShimPanic lives with the other typed errors; re-exported here for the loader's users.
export { ShimPanic };

/** How the boot core's panic for a malformed host record starts (an internal error, not a shim panic). */
const RECORD_PANIC_PREFIX = "hclboot internal error: ";

type Exports = Record<string, any> & { memory: WebAssembly.Memory };

/** Extra `env` imports a host module registers (e.g. host/hv's hypervisor stub); `getShim` is
 * valid once the instance exists. */
export type ImportProvider = (getShim: () => Shim) => Record<string, (...args: any[]) => unknown>;

let wasiReady: Promise<void> | undefined;

/** One instance of the boot core. Calls are synchronous; one call sequence at a time. */
export class Shim {
  /** The upstream pin this boot core was built for (set by its loader; host-side layout follows it). */
  upstream: UpstreamPin = defaultUpstream();
  private guest: GuestAccess | undefined;
  private logLines: string[] = [];
  // Set by the fd_write import: WASI's stdout holds text not read yet.
  private stdoutWritten = true;

  private constructor(
    readonly exports: Exports,
    private readonly wasi: WASI,
  ) {}

  /** Instantiates the boot core from a compiled module, adding each provider's `env` imports. */
  static async create(module: WebAssembly.Module, extraImports: ImportProvider[] = []): Promise<Shim> {
    wasiReady ??= wasiInit();
    await wasiReady;
    const wasi = new WASI({ args: ["openhcl_boot"], env: {} });
    const imports = wasi.getImports(module) as WebAssembly.Imports;
    let shim: Shim | undefined;
    // Note every fd_write, so a call that wrote nothing (logging off) skips reading WASI's stdout.
    for (const ns of Object.values(imports)) {
      const fdWrite = (ns as Record<string, unknown>).fd_write;
      if (typeof fdWrite === "function") {
        (ns as Record<string, unknown>).fd_write = (...a: unknown[]) => {
          if (shim) shim.stdoutWritten = true;
          return (fdWrite as (...x: unknown[]) => unknown)(...a);
        };
      }
    }
    imports.env = {
      guest_read: (gpa: bigint, dst: number, len: number): number => shim!.onGuestRead(gpa, dst, len),
      guest_write: (gpa: bigint, src: number, len: number): number => shim!.onGuestWrite(gpa, src, len),
      guest_data_extent: (gpa: bigint, len: number): bigint => shim!.onGuestDataExtent(gpa, len),
    };
    for (const provide of extraImports) Object.assign(imports.env, provide(() => shim!));
    const instance = await WebAssembly.instantiate(module, imports);
    wasi.instantiate(instance, {});
    shim = new Shim(instance.exports as Exports, wasi);
    return shim;
  }

  /** Attaches the guest memory the next calls may read and write. */
  setGuest(guest: GuestAccess | undefined): void {
    this.guest = guest;
  }

  private onGuestRead(gpa: bigint, dst: number, len: number): number {
    if (!this.guest) return 1;
    const view = new Uint8Array(this.exports.memory.buffer, dst, len);
    return this.guest.read(BigInt.asUintN(64, gpa), view) ? 0 : 1;
  }

  private onGuestDataExtent(gpa: bigint, len: number): bigint {
    if (!this.guest) return -1n;
    // Without the method: the whole range (the read that follows faults as a whole read would).
    if (!this.guest.dataExtent) return BigInt(len);
    const n = this.guest.dataExtent(BigInt.asUintN(64, gpa), len);
    return n === null ? -1n : BigInt(n);
  }

  private onGuestWrite(gpa: bigint, src: number, len: number): number {
    if (!this.guest) return 1;
    const view = new Uint8Array(this.exports.memory.buffer, src, len);
    return this.guest.write(BigInt.asUintN(64, gpa), view) ? 0 : 1;
  }

  /** Starts a call sequence: empties the arena, the panic message and the log. */
  reset(): void {
    this.exports.abi_reset();
    this.logLines = [];
  }

  /** Copies `bytes` into a fresh arena allocation and returns its address in WASM memory. */
  put(bytes: Uint8Array): number {
    const ptr = this.exports.arena_alloc(bytes.length) as number;
    new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  /** Runs one export; a trap becomes a ShimPanic with the panic message and the log so far. */
  call<T>(name: string, ...args: unknown[]): T {
    const fn = this.exports[name];
    if (typeof fn !== "function") {
      throw new Error(`boot core has no export '${name}' (unit-test drivers are in build/hclboot.test.wasm: loadTestShim())`);
    }
    try {
      const r = fn(...args) as T;
      this.exports.log_flush();
      this.drainLog();
      return r;
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        this.drainLog();
        const [, , panicPtr, len] = this.status();
        const msg = len > 0
          ? new TextDecoder().decode(new Uint8Array(this.exports.memory.buffer, panicPtr, len))
          : `wasm trap: ${e.message}`;
        // The boot core's record checks (assembly/abi/records/record_reader.ts) are hclboot bugs.
        if (msg.startsWith(RECORD_PANIC_PREFIX)) throw new InternalError(msg);
        throw new ShimPanic(msg, this.logLines.slice());
      }
      throw e;
    }
  }

  /** The result stream written by the last call (a copy: it stays valid across later calls). */
  out(): Reader {
    return new Reader(this.outBytes().slice());
  }

  /**
   * The result stream written by the last call, read in place: valid only until the next call
   * into the boot core (decode it completely first; `bytesField` still returns copies).
   */
  outView(): Reader {
    return new Reader(this.outBytes());
  }

  private outBytes(): Uint8Array {
    const [ptr, len] = this.status();
    return new Uint8Array(this.exports.memory.buffer, ptr, len);
  }

  // The runtime's status block (assembly/abi/runtime.ts abi_status): result stream pointer and
  // length, panic message pointer and length.
  private status(): [number, number, number, number] {
    const at = this.exports.abi_status() as number;
    const v = new DataView(this.exports.memory.buffer, at, 16);
    return [v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true)];
  }

  /** Boot log lines written since the last reset. */
  log(): string[] {
    return this.logLines;
  }

  /** Bytes of WASM linear memory in use (it never shrinks). */
  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /** Turns log capture on or off (benchmarks time the boot without it). */
  setLogging(on: boolean): void {
    this.exports.log_set_enabled(on ? 1 : 0);
  }

  private drainLog(): void {
    if (!this.stdoutWritten) return;
    this.stdoutWritten = false;
    const text = this.wasi.getStdoutString();
    if (text.length === 0) return;
    for (const line of text.split("\n")) if (line.length > 0) this.logLines.push(line);
  }
}
