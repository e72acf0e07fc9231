/* Calls for the stdlib builtin tests (leader_comm/leader_tid, container_of, is_err,
 * write_user, signal_thread), one scenario per mode:
 *
 *   stdlib struct    n_func(&foo.n) with foo = {2, 3}
 *   stdlib err       errptr(-22) then errptr(&a variable)
 *   stdlib write     fill(buf) then prints buf ("untouched" unless a probe wrote it)
 *   stdlib threads   the main thread "tmain" and a thread "tworker" each call stub()
 *   stdlib signal    the thread "tworker" calls sig_stub(); prints which thread got SIGUSR1 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define NOINLINE __attribute__((noipa, used))

struct Foo {
  int m;
  int n;
};

volatile long sink;

NOINLINE void n_func(int *n) { sink += *n; }

NOINLINE void *errptr(long e) { return (void *)e; }

NOINLINE void fill(char *buf) { sink += buf[0]; }

NOINLINE void stub(void) { sink++; }

NOINLINE void sig_stub(void) { sink++; }

static volatile pid_t handled_by;

static void on_usr1(int sig) {
  (void)sig;
  handled_by = gettid();
}

static void *worker(void *arg) {
  prctl(PR_SET_NAME, "tworker");
  if (arg) {
    sig_stub();
    /* A thread-directed signal is pending on this thread and taken before the call returns. */
    printf("signal handled by %s\n", handled_by == gettid() ? "worker" : handled_by ? "another thread" : "nobody");
  } else {
    stub();
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "struct")) {
    struct Foo foo = {2, 3};
    n_func(&foo.n);
  } else if (!strcmp(mode, "err")) {
    long v = 0;
    sink += (long)errptr(-22);
    sink += (long)errptr((long)&v);
  } else if (!strcmp(mode, "write")) {
    char buf[16] = "untouched";
    fill(buf);
    printf("buf=%s\n", buf);
  } else if (!strcmp(mode, "threads") || !strcmp(mode, "signal")) {
    int sig = !strcmp(mode, "signal");
    pthread_t t;
    signal(SIGUSR1, on_usr1);
    prctl(PR_SET_NAME, "tmain");
    pthread_create(&t, NULL, worker, sig ? (void *)1 : NULL);
    pthread_join(t, NULL);
    if (!sig) stub();
  }
  fflush(stdout);
  return 0;
}
