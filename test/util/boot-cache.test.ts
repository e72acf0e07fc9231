import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { bootCacheKey, readBootCached, resetBootCacheKey } from '../../src/util/boot-cache.ts';

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
