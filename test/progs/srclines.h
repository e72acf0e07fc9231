/* Included by srclines.c: its rows are in srclines.c's unit, under this file's name. */
static inline long twice(long v) {
  return v * 2; /* @twice-body */
}
