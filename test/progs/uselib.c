/* Calls into libtlib.so (found next to it through its rpath). */
#include <stdlib.h>
#include <unistd.h>

extern int lib_square(int x);

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  int delay = argc > 2 ? atoi(argv[2]) : 0;
  int total = 0;
  for (int i = 0; i < n; i++) {
    total += lib_square(i + 2);
    if (delay) usleep(delay * 1000);
  }
  return total == -1;
}
