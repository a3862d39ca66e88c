// etcd3 hands its .proto definitions to proto-loader when it loads, and proto-loader has
// protobuf.js build a reflection tree of etcd's ~100 messages (Root.fromJSON, resolveAll) and
// then generate each message's encoder, decoder and converters with new Function() on first use:
// ~50 ms of CPU in every `muster etcd` join on a 2-core machine. Those generated
// functions depend only on the definitions, so they are generated here, at build time, with
// protobuf.js's own generators, and bundled as source: the same code, compiled once and held in
// the code cache. What loads at run time is protobuf.js's minimal runtime (Reader, Writer, util),
// as for pbjs's static modules.
//
// staticDefinitionsSource() returns a CommonJS module whose export is what proto-loader returns
// for these definitions, for grpc-js's loadPackageDefinition: every service method with its path,
// streaming flags, serializers and options. The message descriptors proto-loader adds for gRPC
// reflection (which grpc-js never reads for a client) are computed by proto-loader itself when
// first read. checkStaticDefinitions() (etcd3-static-codecs-check.mjs) refuses the build if the
// static codecs and protobuf.js's reflection disagree on any message's bytes, decoded object or
// defaults.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const etcdRequire = createRequire(require.resolve('etcd3'));
export const protobuf = etcdRequire('protobufjs');
export const protoLoader = etcdRequire('@grpc/proto-loader');
export { etcdRequire };

/** The options etcd3 gives proto-loader's loadSync, as values and as source. */
export const ETCD3_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
export const ETCD3_OPTIONS_SOURCE = '{ keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }';

/** etcd3's rpc.proto and its imports as protobuf.js JSON, as etcd3's loadSync would read them. */
export function etcdRpcDefinitions() {
  const rpc = join(dirname(etcdRequire.resolve('etcd3/package.json')), 'proto', 'rpc.proto');
  // keepCase, as etcd3 asks proto-loader: protobuf.js would otherwise camelCase every field
  // (prev_kv → prevKv), and etcd3's requests and its reads of the answers would miss them.
  return { rpc, json: new protobuf.Root().loadSync(rpc, { keepCase: true }).toJSON() };
}

/** The source of the module, for reflected JSON definitions and proto-loader's options. */
export function staticDefinitionsSource(json, optionsSource) {
  const root = protobuf.Root.fromJSON(json);
  root.resolveAll();
  const { messages, enums, services } = reflectionObjects(root);
  // protobuf.js swaps in hand-written converters for a few well-known types (google.protobuf.Any):
  // generated code alone would not match them.
  const wrapped = messages.filter((type) => protobuf.wrappers[type.fullName]);
  if (wrapped.length > 0) throw new Error(`scripts/etcd3-static-codecs.mjs does not carry protobuf.js's wrappers for ${wrapped.map((type) => type.fullName).join(', ')}: teach it`);
  const ref = (type) => (type instanceof protobuf.Enum ? `E[${enums.indexOf(type)}]` : type ? `T[${messages.indexOf(type)}]` : 'null');
  const lines = [
    '"use strict";',
    '// Generated at build time by scripts/etcd3-static-codecs.mjs from etcd3\'s rpc.proto.',
    'var $protobuf = require("protobufjs/minimal");',
    'var Writer = $protobuf.Writer, Reader = $protobuf.Reader, util = $protobuf.util;',
    `var OPTIONS = ${optionsSource};`,
    'var MESSAGE = "Protocol Buffer 3 DescriptorProto";',
    `var DEFINITIONS = ${JSON.stringify(json)};`,
    // What proto-loader makes of the same definitions: only for what gRPC reflection reads.
    'var reflected;',
    'function reflect() { return (reflected ??= require("@grpc/proto-loader").fromJSON(DEFINITIONS, OPTIONS)); }',
    // As protobuf.js's Enum: values by name, and by id through the prototype.
    'function enumOf(byName) { var e = { valuesById: {} }; e.values = Object.create(e.valuesById); for (var name in byName) e.valuesById[e.values[name] = byName[name]] = name; return e; }',
    `var E = [${enums.map((e) => `enumOf(${JSON.stringify(e.values)})`).join(', ')}];`,
    `var T = []; for (var i = 0; i < ${messages.length}; ++i) T.push({});`,
    'function define(t, name, fullName, types, make) { var f = make(types); t.name = name; t.fullName = fullName; t.ctor = f.ctor; t.encode = f.encode; t.decode = f.decode; t.fromObject = f.fromObject; t.toObject = f.toObject; return f.ctor.prototype; }',
  ];
  messages.forEach((type, index) => {
    const types = type.fieldsArray.map((field) => ref(field.resolve().resolvedType));
    lines.push(`var p = define(T[${index}], ${JSON.stringify(type.name)}, ${JSON.stringify(type.fullName)}, [${types.join(', ')}], function (types) { return {`);
    lines.push(`ctor: ${protobuf.Type.generateConstructor(type).toString()},`);
    lines.push(`encode: ${protobuf.encoder(type).toString()},`);
    lines.push(`decode: ${protobuf.decoder(type).toString()},`);
    lines.push(`fromObject: ${protobuf.converter.fromObject(type).toString()},`);
    lines.push(`toObject: ${protobuf.converter.toObject(type).toString()}`);
    lines.push('}; });');
    // The defaults a message shows for fields it was not given, as protobuf.js puts them on the prototype.
    for (const field of type.fieldsArray) lines.push(`p[${JSON.stringify(field.name)}] = ${defaultSource(field.defaultValue)};`);
    for (const oneof of type.oneofsArray) {
      const names = JSON.stringify(oneof.oneof);
      lines.push(`Object.defineProperty(p, ${JSON.stringify(oneof.name)}, { get: util.oneOfGetter(${names}), set: util.oneOfSetter(${names}) });`);
    }
  });
  lines.push('var definitions = {};');
  const plain = protoLoader.fromJSON(json, {});
  for (const [name, service] of services) {
    lines.push(`definitions[${JSON.stringify(name)}] = {`);
    for (const method of service.methodsArray) {
      const request = ref(method.resolvedRequestType);
      const response = ref(method.resolvedResponseType);
      const reflectedMethod = plain[name][method.name];
      lines.push(`${JSON.stringify(method.name)}: method(${JSON.stringify(name)}, ${JSON.stringify(method.name)}, ${JSON.stringify(reflectedMethod.path)}, ${reflectedMethod.requestStream}, ${reflectedMethod.responseStream}, ${JSON.stringify(reflectedMethod.originalName)}, ${JSON.stringify(reflectedMethod.options)}, ${request}, ${response}),`);
    }
    lines.push('};');
  }
  // proto-loader's own list of message and enum definitions (it does not name nested ones).
  for (const [name, definition] of Object.entries(plain).filter(([, definition]) => 'format' in definition)) {
    lines.push(`definitions[${JSON.stringify(name)}] = descriptor(${JSON.stringify(definition.format)}, function () { return reflect()[${JSON.stringify(name)}]; });`);
  }
  // Not enumerable: grpc-js makes a client of every enumerable entry that is not a message.
  lines.push(...RUNTIME_HELPERS, 'module.exports = definitions;', `Object.defineProperty(definitions, ${JSON.stringify(CODECS)}, { value: T });`, `Object.defineProperty(definitions, ${JSON.stringify(REFLECTED)}, { get: function () { return reflected !== undefined; } });`);
  return `${lines.join('\n')}\n`;
}

// For checkStaticDefinitions, under keys no proto name can have: the static codecs by index, and
// whether proto-loader's reflection has run.
export const CODECS = '$codecs';
export const REFLECTED = '$reflected';

// As proto-loader's createSerializer, createDeserializer and createMethodDefinition.
const RUNTIME_HELPERS = [
  'function serializer(cls) { return function serialize(arg) { if (Array.isArray(arg)) throw new Error("Failed to serialize message: expected object with " + cls.name + " structure, got array instead"); return cls.encode(cls.fromObject(arg)).finish(); }; }',
  'function deserializer(cls) { return function deserialize(argBuf) { return cls.toObject(cls.decode(argBuf), OPTIONS); }; }',
  'function method(service, name, path, requestStream, responseStream, originalName, options, request, response) {',
  '  // grpc-js copies these (Object.assign) onto each client method: the descriptors stay lazy inside.',
  '  return { path: path, requestStream: requestStream, responseStream: responseStream,',
  '    requestSerialize: serializer(request), requestDeserialize: deserializer(request),',
  '    responseSerialize: serializer(response), responseDeserialize: deserializer(response),',
  '    originalName: originalName,',
  '    requestType: descriptor(MESSAGE, function () { return reflect()[service][name].requestType; }),',
  '    responseType: descriptor(MESSAGE, function () { return reflect()[service][name].responseType; }),',
  '    options: options };',
  '}',
  // grpc-js tells a message definition from a service by its format, read at once; the rest on demand.
  'function descriptor(format, reflectedDefinition) {',
  '  return Object.defineProperties({ format: format }, {',
  '    type: { enumerable: true, get: function () { return reflectedDefinition().type; } },',
  '    fileDescriptorProtos: { enumerable: true, get: function () { return reflectedDefinition().fileDescriptorProtos; } } });',
  '}',
];

export function reflectionObjects(root) {
  const messages = [];
  const enums = [];
  const services = [];
  (function walk(namespace) {
    for (const object of namespace.nestedArray) {
      if (object instanceof protobuf.Type) messages.push(object);
      else if (object instanceof protobuf.Enum) enums.push(object);
      else if (object instanceof protobuf.Service) services.push([object.fullName.slice(1), object]);
      if (object.nestedArray) walk(object);
    }
  })(root);
  return { messages, enums, services };
}

function defaultSource(value) {
  const { util } = protobuf;
  if (value === util.emptyArray) return 'util.emptyArray';
  if (value === util.emptyObject) return 'util.emptyObject';
  if (util.Long && value instanceof util.Long) return `Object.freeze(util.Long.fromBits(${value.low}, ${value.high}, ${value.unsigned}))`;
  if (value instanceof Uint8Array) return `util.newBuffer(${JSON.stringify([...value])})`;
  if (value === null || ['number', 'string', 'boolean'].includes(typeof value)) return JSON.stringify(value);
  throw new Error(`scripts/etcd3-static-codecs.mjs cannot write the default ${String(value)}: teach defaultSource() this kind`);
}
