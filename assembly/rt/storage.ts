//! Fixed-capacity storage without the zero fill: arrays whose contents are only read below a
//! separately tracked length (RangeList, the address space table, parsed CPU/memory tables).
// Ports: none (allocation helper; upstream's ArrayVec leaves its spare capacity uninitialized too)
//
// `new StaticArray<T>(n)` zeroes all `n` elements, which for tables sized for the largest
// partition (2048 CPUs, 1024 ranges) costs more than a small boot's whole work. The arena is
// reset before every call sequence, so reused memory holds stale bytes: only use this for
// storage no code reads at or beyond the tracked length.

/** A StaticArray of `length` numeric elements whose contents are unspecified (not zeroed). */
@inline
export function uninitStaticArray<T>(length: i32): StaticArray<T> {
  if (!isInteger<T>() && !isFloat<T>()) ERROR("uninitStaticArray holds numbers only");
  const size = <usize>length << alignof<T>();
  return changetype<StaticArray<T>>(__new(size, idof<StaticArray<T>>()));
}
