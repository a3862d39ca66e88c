// etcd3 parses its .proto files from disk each time it is loaded and has protobuf.js reflect on
// them and generate its codecs at run time (~100 ms of every join), and an executable has no
// node_modules to read them from. Both builds therefore replace etcd3's loadSync of rpc.proto with
// a module generated here: the same definitions compiled to protobuf.js JSON, and every message's
// codecs generated ahead of time (scripts/etcd3-static-codecs.mjs), checked against protobuf.js's
// reflection before the build may go on.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { checkStaticDefinitions } from './etcd3-static-codecs-check.mjs';
import { ETCD3_OPTIONS, ETCD3_OPTIONS_SOURCE, etcdRpcDefinitions, staticDefinitionsSource } from './etcd3-static-codecs.mjs';

const require = createRequire(import.meta.url);
const GENERATED = 'muster-etcd3-definitions';

// What etcd3's connection-pool.js does today, word for word: a change to it must be looked at.
const LOADER_REQUIRE = 'const proto_loader_1 = require("@grpc/proto-loader");\n';
const LOAD_SYNC = `const packageDefinition = (0, proto_loader_1.loadSync)(\`\${__dirname}/../proto/rpc.proto\`, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
});
`;

let generated;
/** The generated module's source, made and checked once per build process. */
function generatedSource() {
  if (generated) return generated;
  const protoLoader = createRequire(require.resolve('etcd3'))('@grpc/proto-loader');
  const { rpc, json } = etcdRpcDefinitions();
  if (describe(protoLoader.fromJSON(json, ETCD3_OPTIONS)) !== describe(protoLoader.loadSync(rpc, ETCD3_OPTIONS))) {
    throw new Error('rpc.proto compiled to JSON no longer gives the definitions etcd3 loads itself: update scripts/etcd3-protos-plugin.mjs');
  }
  const source = staticDefinitionsSource(json, ETCD3_OPTIONS_SOURCE);
  checkStaticDefinitions(source, json, ETCD3_OPTIONS);
  return (generated = source);
}

export const etcdProtosPlugin = {
  name: 'etcd3-protos-inline',
  setup(builder) {
    builder.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(LOADER_REQUIRE) || !source.includes(LOAD_SYNC)) {
        throw new Error('etcd3 no longer loads rpc.proto the way scripts/etcd3-protos-plugin.mjs expects: update the plugin');
      }
      const contents = source.replace(LOADER_REQUIRE, '').replace(LOAD_SYNC, `const packageDefinition = require(${JSON.stringify(GENERATED)});\n`);
      return { contents, loader: 'js' };
    });
    builder.onResolve({ filter: new RegExp(`^${GENERATED}$`) }, () => ({ path: GENERATED, namespace: GENERATED }));
    // Resolved from etcd3's folder: its own proto-loader (grpc-js has another) and protobuf.js.
    builder.onLoad({ filter: /.*/, namespace: GENERATED }, () => ({ contents: generatedSource(), loader: 'js', resolveDir: dirname(require.resolve('etcd3')) }));
  },
};

/** Every message's fields and every service's methods, as proto-loader defines them. */
function describe(packageDefinition) {
  const entries = Object.entries(packageDefinition).map(([name, definition]) => [
    name,
    definition.type ? definition.type.field?.map((field) => [field.name, field.number, field.type, field.label, field.typeName]) : Object.keys(definition),
  ]);
  return JSON.stringify(entries);
}
