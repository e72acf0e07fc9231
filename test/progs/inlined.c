// Functions inlined into others, for stack frames with source lines and inlined calls
// (show_debug_info): leaf() is called from deep(), inlined (always_inline) into middle(),
// inlined into outer(). The code after deep()'s first call stays deep()'s, so the return
// address in outer() is inside both inlined calls, at -O0 and at -O2. Markers name lines.
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

int main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 1;
  int s = 0;
  for (int i = 0; i < n; i++)
    s += outer(i); // @main-call
  if (argc > 2) // quiet unless asked: tests read the tracer's output alone
    printf("%d\n", s);
  return 0;
}
