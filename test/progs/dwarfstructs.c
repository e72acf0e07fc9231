/* Struct arguments read through their DWARF types (members, nested structs, arrays, arrays of
 * structs, char arrays, pointers to structs, anonymous unions, bitfields, a struct defined in another unit),
 * integer arguments passed on the stack (the 7th and later, around aggregates that go on the
 * stack too), and globals for uaddr(). Built -O0 with DWARF 5, PIE and not.
 *
 *   dwarfstructs [N]      calls every function N times (default 1);
 *   dwarfstructs 0 MS     calls them every MS milliseconds until killed (for -p). */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

struct inner {
  short a;
  unsigned char b;
};

struct node {
  int id;
  char name[12];
  struct inner in;
  int vals[3];
  struct node *next;
  union {
    long l;
    int i;
  };
  unsigned flag : 1;
  unsigned level : 5;
  int8_t small;
  struct inner pairs[2];
};

struct big {
  long a, b, c;
};

#define NOINLINE __attribute__((noipa, used))

volatile long sink;
/* Targets of uaddr(): a global integer and an array. */
long counter = 1234;
int table[4] = {10, 20, 30, 40};

NOINLINE long walk(struct node *n, int depth) { return n->id + depth + (n->next ? n->next->id : 0); }

/* Seven integer arguments: a7 is the first stack slot, [rsp+8] at entry. */
NOINLINE long stack7(long a1, long a2, long a3, long a4, long a5, long a6, long a7) { return a1 + a2 + a3 + a4 + a5 + a6 + a7; }

/* Eight: a7 and a8 (a char and a pointer) on the stack, each in an eightbyte slot. */
NOINLINE long stack8(int a1, int a2, int a3, int a4, int a5, int a6, char a7, const char *a8) {
  return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8[0];
}

/* b goes on the stack first ([rsp+8..32)), so a7 is at [rsp+32] and p at [rsp+40]. */
NOINLINE long stackbig(struct big b, long a1, long a2, long a3, long a4, long a5, long a6, long a7, struct node *p) {
  return b.a + a1 + a2 + a3 + a4 + a5 + a6 + a7 + p->id;
}

/* ld is 16-aligned in the caller's frame: a7 [rsp+8], a8 [rsp+16], ld [rsp+24], a9 [rsp+40]
 * (and 8 bytes of padding after a9). */
NOINLINE long stackld(long a1, long a2, long a3, long a4, long a5, long a6, long a7, long a8, long double ld, long a9) {
  return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + (long)ld + a9;
}

/* Defined in dwarfstructs2.c; this unit only declares it. */
struct opaque;
long opaque_get(struct opaque *o);
NOINLINE long use_opaque(struct opaque *o) { return opaque_get(o); }
struct opaque *opaque_new(void);

/* Never defined anywhere: an incomplete type. */
struct hidden;
NOINLINE long use_hidden(struct hidden *h) { return h != 0; }

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  struct node second = {.id = 2, .name = "second", .in = {-5, 6}, .vals = {7, 8, 9}, .next = 0, .l = 77, .flag = 0, .level = 3, .small = -8, .pairs = {{11, 12}, {13, 14}}};
  struct node first = {.id = 1, .name = "first", .in = {-3, 4}, .vals = {5, 6, 7}, .next = &second, .l = -66, .flag = 1, .level = 17, .small = 9, .pairs = {{21, 22}, {23, 24}}};
  struct big bg = {100, 200, 300};
  struct opaque *o = opaque_new();
  const char *text = "stacked";
  sink += text[0];
  int period = argc > 2 ? atoi(argv[2]) : 0;
  for (int i = 0; i < n || period > 0; i++) {
    if (period > 0) usleep(period * 1000);
    sink += walk(&first, i);
    sink += stack7(1, 2, 3, 4, 5, 6, 77);
    sink += stack8(1, 2, 3, 4, 5, 6, 'x', text);
    sink += stackbig(bg, 1, 2, 3, 4, 5, 6, 707, &second);
    sink += use_opaque(o);
    sink += use_hidden((struct hidden *)o);
    sink += stackld(1, 2, 3, 4, 5, 6, 7, 8, 9.5L, 10);
  }
  sink += counter + table[1];
  return 0;
}
