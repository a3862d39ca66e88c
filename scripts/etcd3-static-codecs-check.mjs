// The check the build makes of scripts/etcd3-static-codecs.mjs's output before bundling it: the
// static codecs against protobuf.js's reflection of the same definitions, as proto-loader uses it.
import { Buffer } from 'node:buffer';
import { isDeepStrictEqual } from 'node:util';
import { CODECS, REFLECTED, etcdRequire, protobuf, protoLoader, reflectionObjects } from './etcd3-static-codecs.mjs';

/**
 * Loads the generated module and compares it with protobuf.js's reflection of the same
 * definitions, as proto-loader uses it: for every message, the bytes of a sample with every field
 * set (in two forms: strings and Buffers, numbers), the object decoded from those bytes and from
 * no bytes (the defaults), and the prototype's defaults; for every service, its methods. Throws
 * with the first difference.
 */
export function checkStaticDefinitions(source, json, options) {
  const module = { exports: {} };
  new Function('require', 'module', 'exports', source)(etcdRequire, module, module.exports);
  const definitions = module.exports;
  // What etcd3 does with them when it loads: protobuf.js's reflection must not run for it.
  etcdRequire('@grpc/grpc-js').loadPackageDefinition(definitions);
  if (definitions[REFLECTED]) throw new Error('loading the static etcd definitions into grpc-js ran protobuf.js\'s reflection after all: update scripts/etcd3-static-codecs.mjs');
  const root = protobuf.Root.fromJSON(json);
  root.resolveAll();
  const { messages, services } = reflectionObjects(root);
  const fail = (what) => {
    throw new Error(`the static etcd codecs differ from protobuf.js's reflection: ${what}; update scripts/etcd3-static-codecs.mjs`);
  };
  messages.forEach((type, index) => {
    const codec = definitions[CODECS][index];
    if (codec.fullName !== type.fullName) fail(`message ${index} is ${codec.fullName}, not ${type.fullName}`);
    for (const form of ['strings', 'numbers']) {
      const sample = sampleOf(type, form, 0);
      const bytes = type.encode(type.fromObject(sample)).finish();
      const staticBytes = codec.encode(codec.fromObject(sample)).finish();
      if (!Buffer.from(bytes).equals(Buffer.from(staticBytes))) fail(`${type.fullName} encodes a sample (${form}) differently`);
      if (!isDeepStrictEqual(codec.toObject(codec.decode(bytes), options), type.toObject(type.decode(bytes), options))) fail(`${type.fullName} decodes a sample (${form}) differently`);
    }
    const empty = Buffer.alloc(0);
    if (!isDeepStrictEqual(codec.toObject(codec.decode(empty), options), type.toObject(type.decode(empty), options))) fail(`${type.fullName} has other defaults`);
    const reflectedMessage = type.decode(empty);
    const staticMessage = codec.decode(empty);
    for (const field of type.fieldsArray) {
      if (!isDeepStrictEqual(staticMessage[field.name], reflectedMessage[field.name])) fail(`${field.fullName} shows another default`);
    }
  });
  const reflected = protoLoader.fromJSON(json, options);
  for (const [name, service] of services) {
    for (const method of service.methodsArray) {
      const mine = definitions[name]?.[method.name];
      const theirs = reflected[name][method.name];
      if (!mine) fail(`${name}.${method.name} is missing`);
      for (const key of ['path', 'requestStream', 'responseStream', 'originalName', 'options']) {
        if (!isDeepStrictEqual(mine[key], theirs[key])) fail(`${name}.${method.name} has another ${key}`);
      }
      for (const key of ['requestType', 'responseType']) {
        if (!isDeepStrictEqual({ ...mine[key] }, { ...theirs[key] })) fail(`${name}.${method.name} has another ${key}`);
      }
      const sample = sampleOf(method.resolvedRequestType, 'strings', 0);
      if (!mine.requestSerialize(sample).equals(theirs.requestSerialize(sample))) fail(`${name}.${method.name} serializes its request differently`);
      const response = theirs.responseSerialize(sampleOf(method.resolvedResponseType, 'strings', 0));
      if (!isDeepStrictEqual(mine.responseDeserialize(response), theirs.responseDeserialize(response))) fail(`${name}.${method.name} deserializes its response differently`);
    }
  }
  const mineNames = Object.keys(definitions).sort();
  const theirNames = Object.keys(reflected).sort();
  if (!isDeepStrictEqual(mineNames, theirNames)) fail(`the definitions name other services, messages or enums (${mineNames.filter((n) => !theirNames.includes(n)).concat(theirNames.filter((n) => !mineNames.includes(n))).join(", ")})`);
}

/** A plain object with every field of a message set to a value other than its default. */
function sampleOf(type, form, depth) {
  const sample = {};
  const inOneof = new Set();
  for (const field of type.fieldsArray) {
    field.resolve();
    if (field.partOf) {
      if (inOneof.has(field.partOf)) continue; // one member of each oneof
      inOneof.add(field.partOf);
    }
    const value = valueOf(field, form, depth);
    if (value === undefined) continue;
    sample[field.name] = field.repeated ? [value, value] : value;
  }
  return sample;
}

function valueOf(field, form, depth) {
  const numbers = form === 'numbers';
  if (field.resolvedType instanceof protobuf.Enum) {
    const [, second] = Object.entries(field.resolvedType.values);
    return numbers ? second[1] : second[0];
  }
  if (field.resolvedType) return depth < 3 ? sampleOf(field.resolvedType, form, depth + 1) : undefined;
  switch (field.type) {
    case 'double': case 'float': return 1.5;
    case 'int32': case 'sint32': case 'sfixed32': return -7;
    case 'uint32': case 'fixed32': return 7;
    case 'int64': case 'sint64': case 'sfixed64': return numbers ? -5 : '-9007199254740993';
    case 'uint64': case 'fixed64': return numbers ? 5 : '18446744073709551615';
    case 'bool': return true;
    case 'string': return 'ü/key';
    case 'bytes': return numbers ? 'AQL/' : Buffer.from([1, 2, 255]);
    default: throw new Error(`scripts/etcd3-static-codecs.mjs has no sample for ${field.type} (${field.fullName})`);
  }
}
