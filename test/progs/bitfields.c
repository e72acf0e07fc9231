// Bitfield layouts for script struct definitions: values the tests read back through uprobes.
#include <stdio.h>

struct flags {
  unsigned int lo : 3, mid : 9, one : 1, rest : 19;
  unsigned char tag;
  unsigned long long wide : 40, : 0, after : 7;
};

struct mixed {
  unsigned short s1 : 5, s2 : 10;
  unsigned int i1 : 20, i2 : 12;
};

__attribute__((noinline)) int take_flags(struct flags *f) { return f->mid; }
__attribute__((noinline)) int take_mixed(struct mixed *m) { return m->s2; }

int main(void) {
  struct flags f = {0};
  struct mixed m = {0};
  f.lo = 5; f.mid = 300; f.one = 1; f.rest = 400000; f.tag = 77; f.wide = 1099511627000ULL; f.after = 99;
  m.s1 = 17; m.s2 = 1000; m.i1 = 1048000; m.i2 = 4000;
  take_flags(&f);
  take_mixed(&m);
  printf("%zu %zu\n", sizeof(struct flags), sizeof(struct mixed));
  return 0;
}
