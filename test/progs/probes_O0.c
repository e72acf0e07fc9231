/* Built with -O0 so GCC passes USDT arguments as stack memory operands (-4@-20(%rbp)). */
#include <sys/sdt.h>

void probes_O0(int i, const char *s) {
  long big = 1234567890123L;
  short neg = -2;
  STAP_PROBE4(tprov, stackargs, i, s, big, neg);
}
