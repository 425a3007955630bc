/**
 * An indexed binary min-heap: O(log n) push, pop and remove, ordered by `(key, seq)`.
 * Items remember their position, so cancelling a pending message is O(log n) too.
 * @module
 */

/** An item the heap can hold: `heapIndex` is owned by the heap. */
export interface HeapItem {
  heapIndex?: number;
}

export class IndexedHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#up(item.heapIndex);
  }

  pop(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      last.heapIndex = 0;
      this.#down(0);
    }
    top.heapIndex = undefined;
    return top;
  }

  /** Remove `item` if it is in the heap; returns whether it was. */
  remove(item: T): boolean {
    const i = item.heapIndex;
    const items = this.#items;
    if (i === undefined || items[i] !== item) return false;
    const last = items.pop()!;
    if (i < items.length) {
      items[i] = last;
      last.heapIndex = i;
      this.#down(i);
      this.#up(last.heapIndex);
    }
    item.heapIndex = undefined;
    return true;
  }

  has(item: T): boolean {
    return item.heapIndex !== undefined && this.#items[item.heapIndex] === item;
  }

  values(): readonly T[] {
    return this.#items;
  }

  #up(i: number): void {
    const items = this.#items;
    const item = items[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(item, items[parent])) break;
      items[i] = items[parent];
      items[i].heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.#less(items[r], items[l]) ? r : l;
      if (!this.#less(items[child], item)) break;
      items[i] = items[child];
      items[i].heapIndex = i;
      i = child;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
