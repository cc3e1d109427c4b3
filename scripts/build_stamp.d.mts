// Types of scripts/build_stamp.mjs (imported by test/test_tools.test.ts).
export declare function stampPath(root: string): string;
export declare function inputHash(root: string, mode: string): string;
export declare function writeStamp(root: string, mode: string): void;
export declare function staleReason(root: string, mode: string): string | null;
