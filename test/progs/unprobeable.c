/* A function uprobes refuse next to one they accept, for missing_probes tests: unprobeable()
 * starts with hlt, an instruction x86 uprobes can neither single-step nor emulate, so the
 * kernel rejects a uprobe on it once the binary is mapped. It is never called. main() calls
 * probeable() every 10 ms for argv[1] rounds (default 1000). */
#include <stdlib.h>
#include <unistd.h>

__attribute__((naked, used, noinline)) void unprobeable(void)
{
  __asm__ volatile("hlt");
}

__attribute__((noinline)) void probeable(void)
{
  __asm__ volatile("");
}

int main(int argc, char **argv)
{
  int rounds = argc > 1 ? atoi(argv[1]) : 1000;
  for (int i = 0; i < rounds; i++) {
    probeable();
    usleep(10000);
  }
  return 0;
}
