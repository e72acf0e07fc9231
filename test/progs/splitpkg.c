/* A small program for split DWARF packed into a .dwp (llvm-dwp 14 loops forever on some gcc
 * DWARF 5 units, e.g. dwarfargs.c's): a struct pointer and a char by name, two calls.
 *
 *   splitpkg [N]   calls visit N times (default 1). */
#include <stdlib.h>

struct item {
  int id;
  char tag[8];
  struct item *next;
};

volatile long sink;

__attribute__((noinline)) int visit(struct item *it, char mark) {
  sink += it->id + mark;
  return it->next ? it->next->id : 0;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  struct item second = {2, "second", 0};
  struct item first = {1, "first", &second};
  for (int i = 0; i < n; i++) visit(&first, 'x');
  return 0;
}
