// Imported first by the CLI's entry point, before any schema exists: zod decides at a schema's
// construction whether its object parsers are compiled with `new Function` on first use. A
// muster process parses its config once, so that compilation costs more than it ever saves
// (measured in bench cold-start), and a jitless parser also runs where eval is forbidden.
import * as z from 'zod';

z.config({ jitless: true });
