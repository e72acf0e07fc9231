// bpftrace orders printed maps with std::sort (libstdc++'s introsort), which is not stable: among
// entries that compare equal, the printed order is whatever introsort leaves. To print the same
// order for the same input order, this is a step-for-step port of libstdc++'s algorithm
// (introsort loop with median-of-three pivot, heapsort fallback, final insertion sort with a
// threshold of 16). For 16 entries or fewer it is a plain insertion sort, hence stable.
// `less(a, b)` must be a strict weak ordering, as std::sort requires.

const THRESHOLD = 16;

export type Less<T> = (a: T, b: T) => boolean;

/** Sorts `a` in place exactly as libstdc++'s std::sort / std::ranges::sort would. */
export function cxxSort<T>(a: T[], less: Less<T>): void {
  const n = a.length;
  if (n < 2) return;
  introsortLoop(a, 0, n, 2 * (31 - Math.clz32(n)), less);
  finalInsertionSort(a, 0, n, less);
}

/** std::stable_sort: ties keep their input order (Array.prototype.sort is stable). */
export function stableSort<T>(a: T[], less: Less<T>): void {
  a.sort((x, y) => (less(x, y) ? -1 : less(y, x) ? 1 : 0));
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i] as T;
  a[i] = a[j] as T;
  a[j] = t;
}

function introsortLoop<T>(a: T[], first: number, last: number, depth: number, less: Less<T>): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      heapSort(a, first, last, less);
      return;
    }
    depth--;
    const cut = partitionPivot(a, first, last, less);
    introsortLoop(a, cut, last, depth, less);
    last = cut;
  }
}

function partitionPivot<T>(a: T[], first: number, last: number, less: Less<T>): number {
  const mid = first + Math.floor((last - first) / 2);
  moveMedianToFirst(a, first, first + 1, mid, last - 1, less);
  return unguardedPartition(a, first + 1, last, first, less);
}

function moveMedianToFirst<T>(a: T[], result: number, x: number, y: number, z: number, less: Less<T>): void {
  const ax = a[x] as T;
  const ay = a[y] as T;
  const az = a[z] as T;
  if (less(ax, ay)) {
    if (less(ay, az)) swap(a, result, y);
    else if (less(ax, az)) swap(a, result, z);
    else swap(a, result, x);
  } else if (less(ax, az)) swap(a, result, x);
  else if (less(ay, az)) swap(a, result, z);
  else swap(a, result, y);
}

function unguardedPartition<T>(a: T[], first: number, last: number, pivot: number, less: Less<T>): number {
  const p = a[pivot] as T;
  for (;;) {
    while (less(a[first] as T, p)) first++;
    last--;
    while (less(p, a[last] as T)) last--;
    if (!(first < last)) return first;
    swap(a, first, last);
    first++;
  }
}

function finalInsertionSort<T>(a: T[], first: number, last: number, less: Less<T>): void {
  if (last - first > THRESHOLD) {
    insertionSort(a, first, first + THRESHOLD, less);
    for (let i = first + THRESHOLD; i < last; i++) unguardedLinearInsert(a, i, less);
  } else {
    insertionSort(a, first, last, less);
  }
}

function insertionSort<T>(a: T[], first: number, last: number, less: Less<T>): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    const v = a[i] as T;
    if (less(v, a[first] as T)) {
      for (let j = i; j > first; j--) a[j] = a[j - 1] as T;
      a[first] = v;
    } else {
      unguardedLinearInsert(a, i, less);
    }
  }
}

function unguardedLinearInsert<T>(a: T[], last: number, less: Less<T>): void {
  const v = a[last] as T;
  let next = last - 1;
  while (less(v, a[next] as T)) {
    a[last] = a[next] as T;
    last = next;
    next--;
  }
  a[last] = v;
}

// std::__partial_sort(first, last, last): make_heap then sort_heap.
function heapSort<T>(a: T[], first: number, last: number, less: Less<T>): void {
  const len = last - first;
  if (len >= 2) {
    let parent = Math.floor((len - 2) / 2);
    for (;;) {
      adjustHeap(a, first, parent, len, a[first + parent] as T, less);
      if (parent === 0) break;
      parent--;
    }
  }
  while (last - first > 1) {
    last--;
    const v = a[last] as T;
    a[last] = a[first] as T;
    adjustHeap(a, first, 0, last - first, v, less);
  }
}

function adjustHeap<T>(a: T[], first: number, hole: number, len: number, value: T, less: Less<T>): void {
  const top = hole;
  let child = hole;
  while (child < Math.floor((len - 1) / 2)) {
    child = 2 * (child + 1);
    if (less(a[first + child] as T, a[first + child - 1] as T)) child--;
    a[first + hole] = a[first + child] as T;
    hole = child;
  }
  if ((len & 1) === 0 && child === Math.floor((len - 2) / 2)) {
    child = 2 * (child + 1);
    a[first + hole] = a[first + child - 1] as T;
    hole = child - 1;
  }
  // __push_heap
  let parent = Math.floor((hole - 1) / 2);
  while (hole > top && less(a[first + parent] as T, value)) {
    a[first + hole] = a[first + parent] as T;
    hole = parent;
    parent = Math.floor((hole - 1) / 2);
  }
  a[first + hole] = value;
}
