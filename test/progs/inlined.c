// Functions inlined into others, for stack frames with source lines and inlined calls
// (show_debug_info): leaf() is called from deep(), inlined (always_inline) into middle(),
// inlined into outer(). The code after deep()'s first call stays deep()'s, so the return
// address in outer() is inside both inlined calls, at -O0 and at -O2. split() has a cold part
// gcc moves out at -O2 (split.cold), so its DWARF gives ranges rather than low_pc/high_pc.
// Markers name lines.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

volatile int sink;

__attribute__((noinline)) int leaf(int x)
{ // @leaf-open
  return x * 3 + (getpid() & 1); // @leaf
}

static inline __attribute__((always_inline)) void deep(int x)
{
  sink = leaf(x); // @deep-call
  sink = leaf(sink + 1); // @deep-call2
}

static inline __attribute__((always_inline)) void middle(int x)
{
  deep(x + 7); // @middle-call
  sink += 5;
}

__attribute__((noinline)) int outer(int x)
{
  middle(x); // @outer-call
  return sink - 11;
}

__attribute__((cold, noinline)) void rare(int x)
{
  printf("rare %d\n", x);
}

__attribute__((noinline)) int split(int x)
{
  if (x == 12345) {
    rare(x);
    printf("again %d\n", x);
    exit(3);
  }
  return x + 1;
}

int main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 1;
  int s = 0;
  for (int i = 0; i < n; i++)
    s += outer(i); // @main-call
  s += split(n);
  if (argc > 2) // quiet unless asked: tests read the tracer's output alone
    printf("%d\n", s);
  return 0;
}
