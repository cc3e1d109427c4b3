//! Ids and versions of the enveloped records that cross host <-> WASM. The fields of each are
//! described once, in host/wasm/records.ts; test/records.test.ts checks these numbers against
//! that table and every writer and reader here against its field list.
// Ports: none (host <-> WASM plumbing)

/** read_from_dt input (host writes; partition_record.ts reads). */
export const REC_PARTITION_INPUT: u16 = 1;
export const REC_PARTITION_INPUT_VERSION: u16 = 1;
/** read_from_dt outcome (partition_result.ts writes). */
export const REC_PARTITION_RESULT: u16 = 2;
export const REC_PARTITION_RESULT_VERSION: u16 = 1;
/** Kernel hand-off input (host writes; handoff_record.ts reads). */
export const REC_HANDOFF_INPUT: u16 = 3;
export const REC_HANDOFF_INPUT_VERSION: u16 = 1;
/** Kernel hand-off outcome (handoff_result.ts writes). */
export const REC_HANDOFF_RESULT: u16 = 4;
export const REC_HANDOFF_RESULT_VERSION: u16 = 1;
/** Host device tree parse outcome (abi/host_fdt.ts writes). */
export const REC_HOST_FDT_RESULT: u16 = 5;
export const REC_HOST_FDT_RESULT_VERSION: u16 = 1;
/** The last run of a read_from_dt benchmark phase (abi/bench.ts writes). */
export const REC_BENCH_PHASE_RESULT: u16 = 6;
export const REC_BENCH_PHASE_RESULT_VERSION: u16 = 1;
/** ShimParams as the boot core reads them (abi/test/shim_params.ts writes; a test driver). */
export const REC_SHIM_PARAMS_RESULT: u16 = 7;
export const REC_SHIM_PARAMS_RESULT_VERSION: u16 = 1;
/** The persisted state header as read (abi/test/persisted_state.ts writes; a test driver). */
export const REC_PERSISTED_HEADER_RESULT: u16 = 8;
export const REC_PERSISTED_HEADER_RESULT_VERSION: u16 = 1;
