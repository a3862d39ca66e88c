// Injected into the CommonJS bundles: their sources ask import.meta.url (where am I?), which only
// an ES module has; here it is the bundle's own file.
import { pathToFileURL } from 'node:url';

// eslint-disable-next-line no-undef -- a CommonJS bundle's own __filename
export const importMetaUrl = pathToFileURL(__filename).href;
