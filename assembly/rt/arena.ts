//! Per-call memory arena: every boot starts from an empty heap, as the shim's bump allocator does.
// Ports: openhcl/openhcl_boot/src/host_params/dt/bump_alloc.rs (reset semantics only).
//
// The build uses AssemblyScript's stub runtime (a bump allocator that never frees). `arenaReset`
// rewinds it to the start of the heap, so repeated boots in one instance never grow memory.
// Rule for all modules: no heap object may live in a module-level variable across calls; state
// that outlives one call lives in fixed `memory.data` or plain scalar globals.

/** Rewinds the heap to its start; every exported entry point's caller does this first. */
export function arena_reset(): void {
  __reset();
}

/** Allocates `len` bytes (8-aligned, zeroed) in the arena for the host to fill with input. */
export function arena_alloc(len: u32): usize {
  const ptr = __alloc(<usize>len);
  memory.fill(ptr, 0, <usize>len);
  return ptr;
}
