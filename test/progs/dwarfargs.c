/* Functions whose parameters cover the DWARF types bpftrace-ts maps to `args` fields (base
 * types, typedefs, qualifiers, pointers to structs/unions/enums, SSE and by-value struct
 * arguments that take no integer register, a seventh argument on the stack), for the DWARF
 * reader's tests. Built -O0 with DWARF 4 and 5, and -O2 (inlined copy with an out-of-line
 * instance: DW_AT_abstract_origin).
 *
 *   dwarfargs [N]   calls every function N times (default 1). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct point {
  int x;
  int y;
};

union num {
  int i;
  float f;
};

enum color { RED, GREEN, BLUE };

struct big {
  long a, b, c;
};

/* By value: {double, long} takes one SSE and one integer register, {float, float} one SSE. */
struct dl {
  double d;
  long l;
};

struct ff {
  float a, b;
};

typedef unsigned long ulong_t;
typedef struct point point_t;

#define NOINLINE __attribute__((noipa, used))

volatile long sink;

NOINLINE int greet(int a, const char *s) { return a + s[0]; }

NOINLINE long kinds(char c, unsigned char uc, short sh, unsigned short us, long l, unsigned long long ull) {
  return c + uc + sh + us + l + (long)ull;
}

NOINLINE long ptrs(struct point *p, const point_t *cp, void *v, int **pp, union num *u, enum color col) {
  return p->x + cp->y + (v != 0) + **pp + u->i + col;
}

/* d and f go in SSE registers, pt (8 bytes of ints) in one integer register: a is rdi, pt rsi, b rdx. */
NOINLINE long mixed(double d, int a, struct point pt, float f, long b) { return (long)d + a + pt.x + (long)f + b; }

/* A struct over 16 bytes goes on the stack: `after` is still the first integer register. */
NOINLINE long bigval(struct big b, int after) { return b.a + after; }

/* s.l is rdi, f is in xmm1: after is rsi. */
NOINLINE long mix2(struct dl s, struct ff f, int after) { return (long)s.d + s.l + (long)f.a + after; }

/* v is rdi and rsi, ld (x87) goes on the stack: after is rdx. */
NOINLINE long wide(__int128 v, long double ld, int after) { return (long)v + (long)ld + after; }

NOINLINE long seven(int a1, int a2, int a3, int a4, int a5, int a6, int a7) { return a1 + a2 + a3 + a4 + a5 + a6 + a7; }

NOINLINE long quals(bool b, ulong_t t, volatile int vi, char *restrict r, int8_t i8, uint16_t u16) {
  return b + (long)t + vi + r[0] + i8 + u16;
}

NOINLINE void noargs(void) { sink++; }

/* Returned in memory: the caller passes the result's address in rdi, so `x` is in rsi. */
NOINLINE struct big makebig(long x, int y) {
  struct big b = {x, y, x + y};
  return b;
}

/* Inlined into main at -O2, and also kept out of line (its address is taken). */
static inline long twice(long v, const char *why) { return 2 * v + why[0]; }
long (*volatile twice_ptr)(long, const char *) = twice;

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  struct point p = {3, 4};
  union num u = {.i = 5};
  int six = 6;
  int *psix = &six;
  struct big bg = {7, 8, 9};
  char buf[] = "restrict";
  const char *hello = "hello";
  /* Uprobes read strings without faulting pages in: touch .rodata before the first call. */
  sink += hello[0];
  for (int i = 0; i < n; i++) {
    sink += greet(i, hello);
    sink += kinds(-1, 200, -300, 60000, -5000000000L, 18000000000000000000ULL);
    sink += ptrs(&p, &p, &p, &psix, &u, BLUE);
    sink += mixed(1.5, 11, p, 2.5f, 12);
    sink += bigval(bg, 13);
    sink += seven(1, 2, 3, 4, 5, 6, 7);
    sink += mix2((struct dl){1.5, 22}, (struct ff){1.5f, 2.5f}, 23);
    sink += wide((__int128)24 << 64, 2.5L, 25);
    sink += quals(true, 14, 15, buf, -16, 17);
    sink += makebig(18, 19).c;
    noargs();
    sink += twice(i, "inline");
    sink += twice_ptr(21, "pointer");
  }
  return 0;
}
