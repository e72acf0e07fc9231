/* A global written a known number of times, for watchpoint tests (built non-PIE so the
 * address is fixed and readable with nm before the program runs). */
#include <unistd.h>

volatile long watched_counter;

int main(void) {
  for (int i = 0; i < 5; i++) {
    watched_counter = watched_counter + 1;
    usleep(1000);
  }
  return 0;
}
