import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { buildFilterIndex, FilterIndex } from '../../src/probes/info/filter-index.ts';
import { setAvailableFilterText, traceableMatching } from '../../src/probes/info/symbol-sources.ts';

// available_filter_functions as a kernel with modules writes it, with names that are prefixes,
// suffixes and regex-special spellings of each other, and a last line without its newline.
const FILE = [
  'vfs_read',
  'vfs_read_iter',
  'xvfs_read',
  'vfs_fsync [ext4]',
  'vfs_fsync',
  'vfs_fsync [xfs]',
  'vfs_fsync [ext4]',
  'do.isra.0',
  'doXisra.0',
  'odd [mod',
  'odd2 [m]x',
  'last [zfs]',
].join('\n');

const NAMES = ['vfs_read', 'vfs_read_iter', 'xvfs_read', 'vfs_fsync', 'do.isra.0', 'odd', 'odd2', 'last', 'vfs_', 'absent', ''];

/** What the regex scan of the file finds for `name` (a character class makes the glob a wildcard). */
function scanned(name: string): string[] {
  if (name === '') return [];
  return traceableMatching(`${name.slice(0, -1)}[${name.slice(-1)}]`).get(name) ?? [];
}

describe('available_filter_functions by name', () => {
  after(() => setAvailableFilterText(undefined));

  test('the index finds the modules a scan of the file finds, in file order, each once', () => {
    setAvailableFilterText(FILE);
    const index = FilterIndex.open(buildFilterIndex(Buffer.from(FILE, 'latin1')));
    assert.ok(index);
    for (const name of NAMES) assert.deepEqual(index.modulesOf(name), scanned(name), name);
    assert.deepEqual(index.modulesOf('vfs_fsync'), ['ext4', 'vmlinux', 'xfs']);
    assert.deepEqual(index.modulesOf('last'), ['zfs']);
    assert.deepEqual(index.modulesOf('odd'), []);
  });

  test('a plain name searched in the text (no boot cache index) agrees with the scan too', () => {
    setAvailableFilterText(FILE);
    for (const name of NAMES) assert.deepEqual(traceableMatching(name).get(name) ?? [], scanned(name), name);
  });

  test("`*` matches every name and never the empty one after the file's last newline", () => {
    setAvailableFilterText(`${FILE}\n`);
    const all = traceableMatching('*');
    assert.ok(!all.has(''));
    assert.deepEqual(all.get('vfs_fsync'), ['ext4', 'vmlinux', 'xfs']);
    assert.equal(all.size, 7); // the two malformed module lines are not names
  });

  test('what is not an index of this layout is refused', () => {
    const good = buildFilterIndex(Buffer.from(FILE, 'latin1'));
    assert.equal(FilterIndex.open(good.subarray(0, good.length - 4)), null);
    const other = new Uint8Array(good);
    new DataView(other.buffer).setUint32(4, 99, true);
    assert.equal(FilterIndex.open(other), null);
  });
});
