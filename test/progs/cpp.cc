// C++ names: a namespace, a class, overloads and a template, for demangling and cpp: probes.
#include <cstdlib>

namespace ns {
struct Counter {
  long total = 0;
  __attribute__((noipa)) long add(int v) {
    total += v;
    return total;
  }
};

__attribute__((noipa)) int twice(int x) { return 2 * x; }
__attribute__((noipa)) double twice(double x) { return 2 * x; }

template <typename T>
__attribute__((noipa)) T ident(T v) {
  return v;
}
}  // namespace ns

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  ns::Counter c;
  volatile double sink = 0;
  for (int i = 0; i < n; i++) {
    c.add(i + 1);
    sink += ns::twice(i);
    sink += ns::twice(1.5);
    sink += ns::ident<int>(7);
  }
  return c.total == -1;
}
