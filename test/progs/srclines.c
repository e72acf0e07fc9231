/* Source-line uprobes (uprobe:BIN@srclines.c:LINE[:COL]): the tests find their lines by the
 * markers at the line ends, and columns by the text on the line. srclines.h's helper gives the
 * unit rows of an included file.
 *
 *   srclines [N]   calls step() N times (default 1). */
#include <stdlib.h>

#include "srclines.h"

volatile long sink;

__attribute__((noinline)) long step(long n) { /* @step-open */
  long acc = n * 3; /* @step-acc */
  acc += twice(n);  /* @step-twice */
  sink = acc;       /* @step-sink */
  return acc;
}

/* Nothing on this line is code. @no-code */

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1;
  for (long i = 0; i < n; i++) step(i); /* @loop */
  return 0;
}
