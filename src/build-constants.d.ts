// Set by the build (scripts/build-constants.mjs); absent when the sources run through tsx, so
// every use checks `typeof` first.
declare const __MUSTER_VERSION__: string | undefined;
declare const __MUSTER_COMMIT__: string | undefined;
declare const __MUSTER_SEA__: boolean | undefined;
