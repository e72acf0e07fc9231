/* Writes through a pointer argument, for watchpoint:FUNC+argN tests: increment(0, p) is
 * called ITERS times (argv[1], default 5), each time followed by a write of main's own;
 * argv[2] is the pause between rounds in microseconds (default 1000). With a third argument
 * the calls alternate between two counters, so two addresses get watched. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* This machine's kernel (in a VM) now and then delivers a stray SIGTRAP (TRAP_BRKPT) to a
 * process with a hardware watchpoint, which would kill it mid-test; bpftrace 0.17's runs see
 * the same. A handler lets the write go on: the trap comes after it, nothing is repeated. */
static void stray_trap(__attribute__((unused)) int sig) {}

__attribute__((noinline)) void increment(__attribute__((unused)) int unused, int *counter)
{
  (*counter)++;
}

int main(int argc, char **argv)
{
  signal(SIGTRAP, stray_trap);
  int *counters = calloc(2, sizeof(int));
  int iters = argc > 1 ? atoi(argv[1]) : 5;
  int pause = argc > 2 ? atoi(argv[2]) : 1000;
  int two = argc > 3;
  for (int n = 0; n < iters; n++) {
    int *c = &counters[two ? n % 2 : 0];
    increment(0, c);
    (*c)++;
    usleep(pause);
  }
  printf("%d\n", counters[0] + counters[1]);
  return 0;
}
