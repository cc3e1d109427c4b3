//! SIGINT that arrives while a command module is still loading: held until the command installs its
//! own handler (io.ts onInterrupt), which then starts out interrupted, instead of Node's default kill.
// Ports: none (hclboot's command line)

let pending = false;
let installed = false;
const early = () => {
  pending = true;
};

/** Holds SIGINT from now until a command's onInterrupt takes over (or `releaseEarlyInterrupt`). */
export function holdEarlyInterrupt(): void {
  if (installed) return;
  installed = true;
  process.on("SIGINT", early);
}

/** Stops holding; true when a SIGINT came while held (nobody took it over yet). */
export function releaseEarlyInterrupt(): boolean {
  if (installed) process.off("SIGINT", early);
  installed = false;
  const was = pending;
  pending = false;
  return was;
}

/** True when a SIGINT came while held. */
export function earlyInterruptPending(): boolean {
  return pending;
}
