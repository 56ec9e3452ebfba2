import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nameV1, SCS_FLAVORS, scsExtraSpecs } from './scs-flavors.ts';

// The tables of scs-0103-v1 ("Standard SCS flavors"), as the standard states them.
const MANDATORY = `
| SCS-1V-4         |      1 | shared-core   |          4 |                 |            |
| SCS-2V-8         |      2 | shared-core   |          8 |                 |            |
| SCS-4V-16        |      4 | shared-core   |         16 |                 |            |
| SCS-4V-16-100s   |      4 | shared-core   |         16 |             100 | ssd        |
| SCS-8V-32        |      8 | shared-core   |         32 |                 |            |
| SCS-1V-2         |      1 | shared-core   |          2 |                 |            |
| SCS-2V-4         |      2 | shared-core   |          4 |                 |            |
| SCS-2V-4-20s     |      2 | shared-core   |          4 |              20 | ssd        |
| SCS-4V-8         |      4 | shared-core   |          8 |                 |            |
| SCS-8V-16        |      8 | shared-core   |         16 |                 |            |
| SCS-16V-32       |     16 | shared-core   |         32 |                 |            |
| SCS-1V-8         |      1 | shared-core   |          8 |                 |            |
| SCS-2V-16        |      2 | shared-core   |         16 |                 |            |
| SCS-4V-32        |      4 | shared-core   |         32 |                 |            |
| SCS-1L-1         |      1 | crowded-core  |          1 |                 |            |
`;
const RECOMMENDED = `
| SCS-1V-4-10      |      1 | shared-core   |          4 |              10 | (any)      |
| SCS-2V-8-20      |      2 | shared-core   |          8 |              20 | (any)      |
| SCS-4V-16-50     |      4 | shared-core   |         16 |              50 | (any)      |
| SCS-8V-32-100    |      8 | shared-core   |         32 |             100 | (any)      |
| SCS-1V-2-5       |      1 | shared-core   |          2 |               5 | (any)      |
| SCS-2V-4-10      |      2 | shared-core   |          4 |              10 | (any)      |
| SCS-4V-8-20      |      4 | shared-core   |          8 |              20 | (any)      |
| SCS-8V-16-50     |      8 | shared-core   |         16 |              50 | (any)      |
| SCS-16V-32-100   |     16 | shared-core   |         32 |             100 | (any)      |
| SCS-1V-8-20      |      1 | shared-core   |          8 |              20 | (any)      |
| SCS-2V-16-50     |      2 | shared-core   |         16 |              50 | (any)      |
| SCS-4V-32-100    |      4 | shared-core   |         32 |             100 | (any)      |
| SCS-1L-1-5       |      1 | crowded-core  |          1 |               5 | (any)      |
`;

type Row = { name: string; vcpus: number; cpuType: string; ramGiB: number; diskGB: number; diskType: string };

function rows(table: string): Row[] {
  return table.trim().split('\n').map((line) => {
    const [name, vcpus, cpuType, ram, disk, diskType] = line.split('|').slice(1, 7).map((c) => c.trim()) as [string, string, string, string, string, string];
    return { name, vcpus: Number(vcpus), cpuType, ramGiB: Number(ram), diskGB: disk === '' ? 0 : Number(disk), diskType };
  });
}

const byName = new Map(SCS_FLAVORS.map((f) => [f.name, f]));

test('every mandatory scs-0103 flavor exists with exactly the standard\'s vCPUs, RAM, disk and types', () => {
  const mandatory = rows(MANDATORY);
  assert.equal(mandatory.length, 15);
  for (const want of mandatory) {
    const f = byName.get(want.name);
    assert.ok(f, `${want.name} is missing`);
    assert.equal(f.mandatory, true, want.name);
    assert.deepEqual({ vcpus: f.vcpus, cpuType: f.cpuType, ramGiB: f.ramGiB, diskGB: f.diskGB }, { vcpus: want.vcpus, cpuType: want.cpuType, ramGiB: want.ramGiB, diskGB: want.diskGB }, want.name);
    const specs = scsExtraSpecs(f);
    assert.equal(specs['scs:cpu-type'], want.cpuType, want.name);
    assert.equal(specs['scs:name-v2'], want.name);
    assert.equal(specs['scs:disk0-type'], want.diskType === '' ? undefined : want.diskType, `${want.name}: disk0-type only on disk flavors`);
  }
  assert.deepEqual(SCS_FLAVORS.filter((f) => f.mandatory).map((f) => f.name).sort(), mandatory.map((r) => r.name).sort(), 'no other flavor is called mandatory');
});

test('the recommended flavors have the standard\'s figures and a disk type', () => {
  for (const want of rows(RECOMMENDED)) {
    const f = byName.get(want.name);
    assert.ok(f, `${want.name} is missing`);
    assert.deepEqual({ vcpus: f.vcpus, cpuType: f.cpuType, ramGiB: f.ramGiB, diskGB: f.diskGB }, { vcpus: want.vcpus, cpuType: want.cpuType, ramGiB: want.ramGiB, diskGB: want.diskGB }, want.name);
    assert.ok(scsExtraSpecs(f)['scs:disk0-type'], `${want.name} states its disk type`);
  }
});

test('scs:name-v1 replaces every dash after the first with a colon (the conformance test\'s values)', () => {
  assert.equal(nameV1('SCS-2V-4-20s'), 'SCS-2V:4:20s');
  assert.equal(nameV1('SCS-4V-16-100s'), 'SCS-4V:16:100s');
  assert.equal(nameV1('SCS-1L-1'), 'SCS-1L:1');
  assert.equal(nameV1('SCS-16V-32'), 'SCS-16V:32');
  for (const f of SCS_FLAVORS) assert.equal(scsExtraSpecs(f)['scs:name-v1'], nameV1(f.name));
});

test('every name follows scs-0100 and promises no more than the flavor gives', () => {
  const grammar = /^SCS-(\d+)([LVTC])i?-(\d+)u?o?(?:-(?:\d+x)?(\d+)([nhsp])?)?$/;
  for (const f of SCS_FLAVORS) {
    const m = grammar.exec(f.name);
    assert.ok(m, `${f.name} does not parse`);
    assert.equal(Number(m[1]), f.vcpus, f.name);
    assert.equal(Number(m[3]), f.ramGiB, f.name);
    assert.equal(Number(m[4] ?? 0), f.diskGB, f.name);
    assert.equal(m[5] === 's', f.diskType === 'ssd', `${f.name}: an 's' in the name means an ssd disk`);
  }
  assert.equal(new Set(SCS_FLAVORS.map((f) => f.name)).size, SCS_FLAVORS.length, 'names are unique');
});
