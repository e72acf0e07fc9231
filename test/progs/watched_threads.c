/* For watchpoints on threads: a worker thread writes watched_counter COUNT times (argv[1]),
 * PAUSE ms apart (argv[2]), after main waited DELAY ms (argv[3]) before starting it; main
 * calls called_fn() COUNT times too (execution breakpoints). Prints "started" once the worker
 * runs. Built non-PIE so addresses are fixed and readable with nm. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

volatile long watched_counter;
static int count = 5, pause_ms = 1;

__attribute__((noinline)) void called_fn(void) { __asm__ volatile(""); }

static void *work(__attribute__((unused)) void *arg) {
  printf("started\n");
  fflush(stdout);
  for (int i = 0; i < count; i++) {
    watched_counter = i + 1;
    usleep(pause_ms * 1000);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) count = atoi(argv[1]);
  if (argc > 2) pause_ms = atoi(argv[2]);
  if (argc > 3) usleep(atoi(argv[3]) * 1000);
  for (int i = 0; i < count; i++) called_fn();
  pthread_t t;
  if (pthread_create(&t, NULL, work, NULL) != 0) return 1;
  pthread_join(t, NULL);
  return 0;
}
