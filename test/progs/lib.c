/* A shared library with a function and a USDT probe, loaded by uselib. */
#include <sys/sdt.h>

__attribute__((noipa)) int lib_square(int x) {
  STAP_PROBE1(tlib, squared, x * x);
  return x * x;
}
