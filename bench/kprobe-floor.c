// The kernel's own cost of perf kprobes, with no tracer around it: opens one kprobe PMU event per
// function name read from stdin (T threads share the list), then closes them all, and prints both
// times. Used to tell how much of a tool's kprobe attach time the kernel takes (docs/benchmarks.md):
//   gcc -O2 -pthread -o /tmp/kprobe-floor bench/kprobe-floor.c
//   grep -E '^vfs_[^ ]*$' /sys/kernel/tracing/available_filter_functions | sort -u |
//     OFFSET=0 /tmp/kprobe-floor 1
// OFFSET (bytes into each function) moves the probe off the ftrace call site: the kernel then
// plants an int3 instead of using ftrace.
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_FUNCS 8192
#define MAX_THREADS 64

static char *names[MAX_FUNCS];
static int fds[MAX_FUNCS];
static int nnames, nthreads, pmu_type;
static unsigned long long offset;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void *open_some(void *arg) {
  for (long i = (long)arg; i < nnames; i += nthreads) {
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = pmu_type;
    a.config1 = (unsigned long)names[i];
    a.config2 = offset;
    a.sample_period = 1;
    fds[i] = syscall(SYS_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
    if (fds[i] < 0) perror(names[i]);
  }
  return NULL;
}

static void *close_some(void *arg) {
  for (long i = (long)arg; i < nnames; i += nthreads)
    if (fds[i] >= 0) close(fds[i]);
  return NULL;
}

static double run(void *(*fn)(void *)) {
  pthread_t th[MAX_THREADS];
  double t0 = now_ms();
  for (long i = 0; i < nthreads; i++) pthread_create(&th[i], NULL, fn, (void *)i);
  for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
  return now_ms() - t0;
}

int main(int argc, char **argv) {
  nthreads = argc > 1 ? atoi(argv[1]) : 1;
  if (nthreads < 1 || nthreads > MAX_THREADS) nthreads = 1;
  if (getenv("OFFSET")) offset = strtoull(getenv("OFFSET"), NULL, 0);
  FILE *f = fopen("/sys/bus/event_source/devices/kprobe/type", "r");
  if (!f || fscanf(f, "%d", &pmu_type) != 1) {
    fprintf(stderr, "no kprobe PMU on this kernel\n");
    return 1;
  }
  fclose(f);
  char line[512];
  while (nnames < MAX_FUNCS && fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    if (line[0]) names[nnames++] = strdup(line);
  }
  double open_ms = run(open_some);
  double close_ms = run(close_some);
  printf("threads=%d kprobes=%d open=%.0f ms close=%.0f ms\n", nthreads, nnames, open_ms, close_ms);
  return 0;
}
