/* USDT probes with a semaphore (only this file defines _SDT_HAS_SEMAPHORES: with it, every
 * probe of the unit needs one). The kernel increments the semaphore while tprov:gated is
 * attached; `done` reports the value the program sees, for tests of activation. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

__extension__ unsigned short tprov_gated_semaphore __attribute__((unused)) __attribute__((section(".probes")));
__extension__ unsigned short tprov_done_semaphore __attribute__((unused)) __attribute__((section(".probes")));

void gated(int i) {
  if (tprov_gated_semaphore) STAP_PROBE2(tprov, gated, i, tprov_gated_semaphore);
}

void done(void) { STAP_PROBE1(tprov, done, tprov_gated_semaphore); }
