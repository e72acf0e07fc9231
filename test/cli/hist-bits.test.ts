// hist(v, bits) in the kernel: every value must land in the row whose bounds hold it, for each
// bits of 0..5 (checked through -f json's min/max rows, independently of how buckets are
// numbered). bpftrace 0.17 has no second argument; 0.26's own JSON for hist($i, 3) over
// 0..1023 is compared in bpftrace's runtime corpus (json-output, hist_2args).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/run.ts';

const VALUES = [
  -7n,
  -1n,
  0n,
  1n,
  2n,
  3n,
  5n,
  7n,
  8n,
  9n,
  31n,
  32n,
  33n,
  100n,
  1000n,
  65535n,
  65536n,
  1n << 40n,
  (1n << 40n) + 12345n,
  (1n << 62n) + 1n,
];

interface Row {
  min?: number | string;
  max: number | string;
  count: number;
}

for (const bits of [0, 1, 2, 3, 5]) {
  test(`hist(v, ${bits}) puts each value in the row that holds it`, () => {
    const body = VALUES.map((v) => `@ = hist(${v}, ${bits});`).join(' ');
    const r = runCli(['-q', '-f', 'json', '-e', `BEGIN { ${body} exit(); }`]);
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.startsWith('{"type": "hist"'));
    assert.ok(line, r.stdout);
    const rows = (JSON.parse(line) as { data: { '@': Row[] } }).data['@'];
    const counts = rows.map(() => 0);
    for (const v of VALUES) {
      const i = rows.findIndex((row) => (row.min === undefined || BigInt(row.min) <= v) && v <= BigInt(row.max));
      assert.ok(i >= 0, `${v} has no row`);
      counts[i] = (counts[i] ?? 0) + 1;
    }
    assert.deepEqual(
      rows.map((row) => row.count),
      counts,
    );
  });
}
