/* A program with known functions, arguments and return values, and USDT probes in every
 * argument form GCC emits (registers, constants, stack and RIP-relative memory, and an index
 * form written by hand), for bpftrace-ts's uprobe and USDT tests.
 *
 *   target [N [DELAY_MS]]   runs the calls N times (default 1), sleeping DELAY_MS between. */
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

struct point {
  int x;
  int y;
  const char *label;
};

long global_counter = 42;
volatile long sink;
static const char *const words[] = {"zero", "one", "two"};

/* noipa: no inlining, and no pure/const discovery that would merge or hoist the calls. */
#define NOINLINE __attribute__((noipa, used))

NOINLINE int add(int a, int b) { return a + b; }

NOINLINE long mul3(long a, long b, long c) { return a * b * c; }

NOINLINE const char *greet(const char *name) { return name; }

/* Eight arguments: the last two go on the stack (sarg0, sarg1). */
NOINLINE long sum8(long a1, long a2, long a3, long a4, long a5, long a6, long a7, long a8) {
  return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8;
}

NOINLINE int dist(struct point *p) { return p->x * p->x + p->y * p->y; }

NOINLINE static int hidden(int x) { return x * 3; }

NOINLINE unsigned char small(signed char c, short s) { return (unsigned char)(c + s); }

/* A USDT probe whose arguments are memory operands with an index register: GCC does not
 * emit this form for plain variables, so the operand string is written by hand. */
NOINLINE void indexed(long *arr, long idx) {
  __asm__ __volatile__(STAP_PROBE_ASM(tprov, indexed, -8@8(%0,%1,8) 8@(%0) -4@$-7) : : "r"(arr), "r"(idx) : "memory");
}

extern void probes_O0(int i, const char *s);
extern void gated(int i);
extern void done(void);

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  int delay = argc > 2 ? atoi(argv[2]) : 0;
  long arr[4] = {10, 20, 30, 40};
  for (int i = 0; i < n; i++) {
    struct point p = {3, 4, "origin"};
    /* Results go to a volatile sink: calls to pure functions whose result is unused are dropped. */
    sink += add(i, 2);
    sink += mul3(2, 3, 7);
    sink += (long)greet("world");
    sink += sum8(1, 2, 3, 4, 5, 6, 7, 8);
    sink += dist(&p);
    sink += hidden(i);
    sink += small(-3, 300);
    /* -O2: register and constant operands, and the global (RIP-relative). */
    STAP_PROBE3(tprov, args3, i, -5, global_counter);
    STAP_PROBE2(tprov, strs, words[i % 3], (long)&p);
    gated(i);
    indexed(arr, 1);
    probes_O0(i, "stack");
    global_counter++;
    if (delay) usleep(delay * 1000);
  }
  done();
  return 0;
}
