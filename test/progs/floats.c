/* A struct with floating-point members among integers, for script-defined and DWARF struct
 * tests: bpftrace lays them out as C does and prints them as null. Prints gcc's sizeof and the
 * offset of `tail` so tests compare the script's layout with the compiler's. */
#include <stddef.h>
#include <stdio.h>

struct measure {
  char id;
  float f;
  double d;
  long double ld;
  int tail;
  union {
    int i;
    float g;
  } u;
  float v[2];
};

__attribute__((noinline)) int take(struct measure *m) { return m->id + m->tail; }

int main(void) {
  struct measure m = {7, 1.5f, 2.5, 3.5L, 9, {5}, {0.25f, 0.5f}};
  printf("%zu %zu\n", sizeof(struct measure), offsetof(struct measure, tail));
  return take(&m) == 16 ? 0 : 1;
}
