// Types of scripts/test_tools.mjs (imported by test/e2e/).
export declare const APT_PACKAGES: { dtc: string; chromium: string };
export declare function installCommand(packages: string[], root?: boolean): string;
export declare function which(name: string, path?: string): string | null;
export declare function findChromium(env?: Record<string, string | undefined>): string | null;
