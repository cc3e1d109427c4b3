// Test helper: run a call that must end in a boot-core panic and return that panic.
import { ShimPanic } from "../../host/wasm/loader.js";

/** The ShimPanic `f` throws; rethrows any other error and fails when `f` returns. */
export function shimPanicOf(f: () => unknown): ShimPanic {
  try {
    f();
  } catch (e) {
    if (e instanceof ShimPanic) return e;
    throw e;
  }
  throw new Error("expected a ShimPanic");
}

/** The message of the ShimPanic `f` throws (see `shimPanicOf`). */
export function panicOf(f: () => unknown): string {
  return shimPanicOf(f).message;
}

/** The error `f` throws, whatever its kind; fails when `f` returns. */
export function failureOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    if (e instanceof Error) return e;
  }
  throw new Error("expected the call to fail");
}

/** What `f` returns, or `{ panic: message }` when it ends in a ShimPanic (other errors rethrown). */
export function resultOrPanic<T>(f: () => T): T | { panic: string } {
  try {
    return f();
  } catch (e) {
    if (e instanceof ShimPanic) return { panic: e.message };
    throw e;
  }
}
