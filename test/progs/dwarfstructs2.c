/* The definition of struct opaque, which dwarfstructs.c only declares: its DWARF is in this unit. */
#include <stdlib.h>

struct opaque {
  long secret;
  char tag[4];
};

long opaque_get(struct opaque *o) { return o->secret; }

struct opaque *opaque_new(void) {
  static struct opaque o = {4242, "abc"};
  return &o;
}
