// etcd3 parses its .proto files from disk each time it is loaded (~70 ms of protobuf.js at every
// join), and an executable has no node_modules to read them from: both builds compile the same
// definitions here to protobuf.js JSON and hand them to proto-loader's fromJSON, with the options
// etcd3 passes to loadSync. The proto-loader it uses is patched to make gRPC reflection's
// descriptors only when read (lazyReflection, below).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

export const etcdProtosPlugin = {
  name: 'etcd3-protos-inline',
  setup(builder) {
    builder.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, (args) => {
      const protobuf = require('protobufjs');
      const protoLoader = require('@grpc/proto-loader');
      const rpc = join(require.resolve('etcd3/package.json'), '..', 'proto', 'rpc.proto');
      // keepCase, as etcd3 asks proto-loader: protobuf.js would otherwise camelCase every field
      // (prev_kv → prevKv), and etcd3's requests and its reads of the answers would miss them.
      const definitions = new protobuf.Root().loadSync(rpc, { keepCase: true }).toJSON();
      const options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
      if (describe(protoLoader.fromJSON(definitions, options)) !== describe(protoLoader.loadSync(rpc, options))) {
        throw new Error('rpc.proto compiled to JSON no longer gives the definitions etcd3 loads itself: update scripts/etcd3-protos-plugin.mjs');
      }
      const json = JSON.stringify(definitions);
      const source = readFileSync(args.path, 'utf8');
      const call = '(0, proto_loader_1.loadSync)(`${__dirname}/../proto/rpc.proto`, {';
      if (!source.includes(call)) throw new Error('etcd3 no longer loads rpc.proto the way scripts/etcd3-protos-plugin.mjs expects: update the plugin');
      return { contents: source.replace(call, `(0, proto_loader_1.fromJSON)(${json}, {`), loader: 'js' };
    });
    // The proto-loader etcd3 loads its definitions with (grpc-js has its own copy, for ORCA).
    const etcdProtoLoader = require.resolve('@grpc/proto-loader', { paths: [require.resolve('etcd3')] });
    builder.onLoad({ filter: /@grpc[\\/]proto-loader[\\/]build[\\/]src[\\/]index\.js$/ }, (args) =>
      args.path === etcdProtoLoader ? { contents: lazyReflection(readFileSync(args.path, 'utf8')), loader: 'js' } : undefined,
    );
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

/**
 * proto-loader gives every message and enum definition its descriptor (`type`) and the encoded
 * file descriptors (`fileDescriptorProtos`), for gRPC reflection; grpc-js never reads them, and
 * computing them for etcd's ~200 messages was ~30 ms of every join. Here both are computed when
 * first read instead, with the same values.
 */
function lazyReflection(source) {
  const replacements = [
    [
      `    const descriptorList = root.toDescriptor('proto3').file;
    const bufferList = descriptorList.map(value => Buffer.from(descriptor.FileDescriptorProto.encode(value).finish()));`,
      `    let encoded;
    const bufferList = () => (encoded ??= root.toDescriptor('proto3').file.map(value => Buffer.from(descriptor.FileDescriptorProto.encode(value).finish())));`,
    ],
    [
      `    const messageDescriptor = message.toDescriptor('proto3');
    return {
        format: 'Protocol Buffer 3 DescriptorProto',
        type: messageDescriptor.$type.toObject(messageDescriptor, descriptorOptions),
        fileDescriptorProtos: fileDescriptors,
    };`,
      `    return lazyDefinition('Protocol Buffer 3 DescriptorProto', message, fileDescriptors);`,
    ],
    [
      `    const enumDescriptor = enumType.toDescriptor('proto3');
    return {
        format: 'Protocol Buffer 3 EnumDescriptorProto',
        type: enumDescriptor.$type.toObject(enumDescriptor, descriptorOptions),
        fileDescriptorProtos: fileDescriptors,
    };`,
      `    return lazyDefinition('Protocol Buffer 3 EnumDescriptorProto', enumType, fileDescriptors);`,
    ],
  ];
  let patched = source;
  for (const [from, to] of replacements) {
    if (!patched.includes(from)) throw new Error('@grpc/proto-loader no longer builds its definitions the way scripts/etcd3-protos-plugin.mjs expects: update the plugin');
    patched = patched.replace(from, to);
  }
  return `${patched}
function lazyDefinition(format, reflected, fileDescriptors) {
    let type;
    return Object.defineProperties({ format }, {
        type: { enumerable: true, get: () => (type ??= (() => { const d = reflected.toDescriptor('proto3'); return d.$type.toObject(d, descriptorOptions); })()) },
        fileDescriptorProtos: { enumerable: true, get: fileDescriptors },
    });
}
`;
}
