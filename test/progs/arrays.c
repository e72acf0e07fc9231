/* Arrays in a traced program's memory: nested arrays, arrays of pointers and of structs, byte
 * arrays, for the array tests (test/probes/arrays.test.ts). */
#include <stdint.h>

struct grid {
  int cells[3];
  int rows[2][3];
  uint8_t bytes[4];
};

struct refs {
  long *slots[3];
};

struct inner {
  uint32_t id;
  uint32_t pair[2];
};

struct outer {
  uint32_t tag;
  struct inner in;
};

struct table {
  uint32_t count;
  struct outer items[4];
};

__attribute__((noinline)) int take_grid(struct grid *g) { return g->cells[0]; }
__attribute__((noinline)) long take_refs(struct refs *r) { return *r->slots[0]; }
__attribute__((noinline)) uint32_t take_table(struct table *t) { return t->count; }

int main(void) {
  struct grid g = {{10, 11, 12}, {{1, 2, 3}, {4, 5, 6}}, {0x11, 0x22, 0x33, 0x44}};
  long a = 100, b = 200, c = 300;
  struct refs r = {{&a, &b, &c}};
  struct table t = {4, {{0}}};
  for (uint32_t i = 0; i < 4; i++) {
    t.items[i].tag = 50 + i;
    t.items[i].in.id = i * 10;
    t.items[i].in.pair[0] = i;
    t.items[i].in.pair[1] = 1000 + i;
  }
  return (take_grid(&g) + (int)take_refs(&r) + (int)take_table(&t)) == 114 ? 0 : 1;
}
