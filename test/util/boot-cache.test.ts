import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { bootCacheEntry, bootCacheKey, readBootCached, readBootCachedBytes, resetBootCacheKey } from '../../src/util/boot-cache.ts';

const MODULES = ['9p 90112 0 - Live 0xffffffffc0a1e000', 'netfs 540672 1 9p, Live 0xffffffffc0990000', ''].join('\n');

describe('boot cache key', () => {
  it('names the boot and each module by name, size and address, not by its refcount', () => {
    const k = bootCacheKey('abc\n', MODULES);
    assert.equal(k, 'abc\n9p 90112 0xffffffffc0a1e000\nnetfs 540672 0xffffffffc0990000');
    assert.equal(bootCacheKey('abc', MODULES.replace('netfs 540672 1', 'netfs 540672 2')), k);
    assert.notEqual(bootCacheKey('abc', MODULES.replace('0xffffffffc0a1e000', '0xffffffffc0b00000')), k);
    assert.notEqual(bootCacheKey('abd', MODULES), k);
  });

  it('caches nothing while a module is loading or unloading', () => {
    assert.equal(bootCacheKey('abc', MODULES.replace('- Live', '- Loading')), '');
  });
});

describe('readBootCached', () => {
  const root = mkdtempSync(`${tmpdir()}/boot-cache-`);
  const dir = `${root}/cache`;

  it('reads the kernel once, then the copy', () => {
    resetBootCacheKey();
    let reads = 0;
    const read = (): string => `f${++reads}\ng\n`;
    assert.equal(readBootCached('list', read, dir), 'f1\ng\n');
    assert.equal(readBootCached('list', read, dir), 'f1\ng\n');
    assert.equal(reads, 1);
  });

  it('reads the kernel again when the stored key differs (another boot or module set)', () => {
    const file = `${dir}/list`;
    writeFileSync(file, readFileSync(file, 'latin1').replace(/^[^\n]*/, 'stale-boot'));
    assert.equal(
      readBootCached('list', () => 'fresh\n', dir),
      'fresh\n',
    );
    assert.equal(
      readBootCached('list', () => 'never\n', dir),
      'fresh\n',
    );
  });

  it('does not trust a directory others can write', () => {
    chmodSync(dir, 0o777);
    let reads = 0;
    readBootCached('list', () => `x${++reads}`, dir);
    readBootCached('list', () => `x${++reads}`, dir);
    assert.equal(reads, 2);
    rmSync(root, { recursive: true, force: true });
  });
});

describe('readBootCachedBytes and bootCacheEntry', () => {
  const root = mkdtempSync(`${tmpdir()}/boot-cache-bytes-`);
  const dir = `${root}/cache`;

  it('gives stored bytes back whole and 8-byte aligned, whatever the key length', () => {
    resetBootCacheKey();
    const data = Uint8Array.from({ length: 37 }, (_, i) => i * 7);
    let reads = 0;
    const read = (): Uint8Array => {
      reads++;
      return data;
    };
    assert.deepEqual([...readBootCachedBytes('blob', read, dir)], [...data]);
    const again = readBootCachedBytes('blob', read, dir);
    assert.equal(reads, 1);
    assert.deepEqual([...again], [...data]);
    assert.equal(again.byteOffset % 8, 0);
  });

  it("opens the file with the caller's reader, and stores what the caller made on a miss", () => {
    const opened: string[] = [];
    const open = (f: string): Uint8Array => {
      opened.push(f);
      return readFileSync(f);
    };
    const miss = bootCacheEntry('made', dir, open);
    assert.ok(miss);
    assert.equal(miss.cached, null);
    miss.store(Uint8Array.from([1, 2, 3]));
    const hit = bootCacheEntry('made', dir, open);
    assert.deepEqual([...(hit?.cached ?? [])], [1, 2, 3]);
    assert.deepEqual(opened, [`${dir}/made`, `${dir}/made`]);
  });

  it('has no entry where the cache can not be trusted', () => {
    chmodSync(dir, 0o777);
    assert.equal(bootCacheEntry('made', dir), null);
    rmSync(root, { recursive: true, force: true });
  });
});
