/* unwatch() tests: increment(p) writes *p once, then the program waits for SIGUSR1 — which the
 * script sends with system() after its unwatch(), so the watchpoint is gone by then — and
 * writes *p four more times. With an argument p is the global watched_global (fixed address:
 * built non-PIE; initialised, so in .data: exec's zeroing of the .bss tail never writes it),
 * else heap memory. alarm() bounds the wait: a run that never gets the signal dies of SIGALRM.
 * Prints how many writes it made (5). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

volatile int watched_global = 100;
static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
  (void)sig;
  go = 1;
}

__attribute__((noinline)) void increment(volatile int *p)
{
  (*p)++;
}

int main(int argc, char **argv)
{
  (void)argv;
  volatile int *p = argc > 1 ? &watched_global : calloc(1, sizeof(int));
  int start = *p;
  sigset_t usr1, old;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, &old);
  signal(SIGUSR1, on_usr1);
  alarm(20);
  increment(p);
  while (!go)
    sigsuspend(&old);
  for (int i = 0; i < 4; i++)
    (*p)++;
  printf("%d\n", *p - start);
  return 0;
}
