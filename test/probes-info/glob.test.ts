import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globToMatcher, hasWildcard } from '../../src/probes/info/glob.ts';

test('star, question mark, literal text', () => {
  const m = globToMatcher('sys_enter_open*');
  assert.ok(m('sys_enter_open'));
  assert.ok(m('sys_enter_openat2'));
  assert.ok(!m('sys_enter_close'));
  assert.ok(!m('xsys_enter_open'));
  assert.ok(globToMatcher('*sched*')('tracepoint:sched:sched_switch'));
  assert.ok(globToMatcher('vfs_rea?')('vfs_read'));
  assert.ok(!globToMatcher('vfs_rea?')('vfs_readv'));
  assert.ok(globToMatcher('*')(''));
  assert.ok(globToMatcher('a*b')('abab'), 'backtracks (bpftrace 0.17 does not)');
  assert.ok(globToMatcher('exact')('exact'));
  assert.ok(!globToMatcher('exact')('exactly'));
});

test('alternatives, nested, and lone braces', () => {
  const m = globToMatcher('vfs_{read,write}');
  assert.ok(m('vfs_read') && m('vfs_write'));
  assert.ok(!m('vfs_readv'));
  const n = globToMatcher('{tcp_{send,recv}msg,udp_*}');
  assert.ok(n('tcp_sendmsg') && n('tcp_recvmsg') && n('udp_rcv'));
  assert.ok(!n('tcp_close'));
  assert.ok(globToMatcher('a{b')('a{b'), 'an unclosed brace is literal');
  assert.ok(globToMatcher('a,b')('a,b'), 'a comma outside braces is literal');
});

test('character classes and escapes', () => {
  const m = globToMatcher('sys_enter_[rw]*');
  assert.ok(m('sys_enter_read') && m('sys_enter_write'));
  assert.ok(!m('sys_enter_open'));
  assert.ok(globToMatcher('x[!a-c]')('xd'));
  assert.ok(!globToMatcher('x[!a-c]')('xb'));
  assert.ok(globToMatcher('a\\*b')('a*b'));
  assert.ok(!globToMatcher('a\\*b')('axb'));
  // Regex metacharacters are plain text in a glob.
  assert.ok(globToMatcher('a.b+(c)|d$^')('a.b+(c)|d$^'));
  assert.ok(!globToMatcher('a.b')('axb'));
});

test('hasWildcard', () => {
  assert.ok(hasWildcard('a*'));
  assert.ok(hasWildcard('a?'));
  assert.ok(hasWildcard('{a,b}'));
  assert.ok(!hasWildcard('vfs_read'));
});
