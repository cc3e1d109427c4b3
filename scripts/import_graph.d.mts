// Types of scripts/import_graph.mjs (the import graph check), for the tests that import it.
/** The import graph of the given top folders: repo-relative file -> imported files. */
export function importGraph(dirs?: string[]): Map<string, string[]>;
/** Strongly connected components with more than one file, or a file importing itself. */
export function cycles(graph: Map<string, string[]>): string[][];
/** Imports that break assembly/'s layering: [from, to, why]. */
export function layerViolations(graph: Map<string, string[]>): [string, string, string][];
