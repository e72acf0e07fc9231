import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frontendBody as body } from './helpers.ts';

describe('defines: object-like #define in the script', () => {
  it('replaces names by their values', () => {
    assert.equal(
      body('#define RED "\\033[31m"\n#define MAX 100 // limit\nBEGIN { printf("%s%d\\n", RED, MAX); }'),
      '  printf("%s%d\\n", "\\x1b[31m", 100);\n}\n',
    );
  });

  it('expands defines used in other defines, but not recursively', () => {
    assert.equal(body('#define A 2\n#define B (A * 3)\n#define S S + 1\nBEGIN { $x = B; $y = S; }'), '  $x = 2 * 3;\n  $y = S + 1;\n}\n');
  });

  it('leaves function-like defines and non-expressions alone', () => {
    assert.equal(body('#define F(x) x\n#define T struct foo\nBEGIN { $x = F(1); $y = T; }'), '  $x = F(1);\n  $y = T;\n}\n');
  });
});
