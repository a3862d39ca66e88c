/**
 * zod's options for a schema parsed once per run (the config file, a cluster model, a seed tool's
 * flags). By default zod compiles a parser for each object schema with `new Function` on its first
 * parse: that pays off over many parses, and costs a single one ~5 ms of every start.
 */
export const PARSE_ONCE = { jitless: true } as const;
