//! Arena marks for benchmark loops: remember the heap top after the inputs are decoded and rewind
//! to it after every repetition, so a phase repeated N times never grows linear memory.
// Ports: none (benchmark support; the shim's bump allocator is only ever reset as a whole)

// The stub runtime is a bump allocator whose `__free` discards a block only when it is the last
// one. A mark is a zero-size block; rewinding stretches the mark's size header (the usize just
// before the payload) up to the current heap top and frees it, which moves the top back to the
// mark. The next `arenaMark()` then returns the same address again.

/** Allocates a zero-size marker block at the current heap top and returns it. */
export function arenaMark(): usize {
  return __alloc(0);
}

/** Drops every allocation made after `mark` (and the mark itself). */
export function arenaRewind(mark: usize): void {
  const top = __alloc(0);
  const topEnd = top + load<usize>(top - sizeof<usize>());
  store<usize>(mark - sizeof<usize>(), topEnd - mark);
  __free(mark);
}
