/* A function taking a struct pointer, for script-defined struct tests. */
#include <stdio.h>

struct point {
  int x;
  long y;
  char name[8];
  struct point *next;
};

__attribute__((noinline)) int show(struct point *p) { return p->x + (p->next ? p->next->x : 0); }

int main(void) {
  struct point b = {7, -2, "bee", 0};
  struct point a = {3, 40, "abc", &b};
  return show(&a) == 10 ? 0 : 1;
}
