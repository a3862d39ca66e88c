import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkStaticDefinitions } from '../../scripts/etcd3-static-codecs-check.mjs';
import { ETCD3_OPTIONS, ETCD3_OPTIONS_SOURCE, etcdRpcDefinitions, staticDefinitionsSource } from '../../scripts/etcd3-static-codecs.mjs';

/** The generated source with `from` replaced by `to` once, inside the function that starts with `start`. */
function corrupt(source: string, start: string, from: string, to: string): string {
  const at = source.indexOf(start);
  assert.ok(at >= 0, `${start} is in the generated source`);
  const inside = source.indexOf(from, at);
  assert.ok(inside > at && inside < source.indexOf('\n}', at), `${from} is in ${start}`);
  return source.slice(0, inside) + to + source.slice(inside + from.length);
}

// The build refuses static codecs that disagree with protobuf.js's reflection of etcd's protos
// (scripts/etcd3-protos-plugin.mjs); these show that the check it relies on finds a difference.
describe("etcd's protobuf codecs generated at build time", () => {
  const { json } = etcdRpcDefinitions();
  const source = staticDefinitionsSource(json, ETCD3_OPTIONS_SOURCE);

  it('agree with the reflection proto-loader would build, for every message and service method', () => {
    assert.doesNotThrow(() => checkStaticDefinitions(source, json, ETCD3_OPTIONS));
  });

  it('are refused when a message would go on the wire under another field number', () => {
    // RangeRequest's key is field 1 (tag 10); as tag 18 etcd would read it as range_end.
    const wrong = corrupt(source, 'encode: function RangeRequest$encode', 'w.uint32(10)', 'w.uint32(18)');
    assert.throws(() => checkStaticDefinitions(wrong, json, ETCD3_OPTIONS), /\.etcdserverpb\.RangeRequest encodes a sample \(strings\) differently/);
  });

  it('are refused when a 64-bit field would lose precision', () => {
    // A member ID is a random uint64: read as a JavaScript number it would name another member.
    const wrong = corrupt(source, 'decode: function Member$decode', 'r.uint64()', 'r.uint64().toNumber()');
    assert.throws(() => checkStaticDefinitions(wrong, json, ETCD3_OPTIONS), /\.etcdserverpb\.Member decodes a sample/);
  });

  it('are refused when a field absent on the wire would read as another default', () => {
    // RangeRequest's limit: 0 (no limit) when the field is not sent, as etcd means it.
    const wrong = corrupt(source, 'toObject: function RangeRequest$toObject', 'new util.Long(0,0,false)', 'new util.Long(1,0,false)');
    assert.throws(() => checkStaticDefinitions(wrong, json, ETCD3_OPTIONS), /\.etcdserverpb\.RangeRequest has other defaults/);
  });
});
