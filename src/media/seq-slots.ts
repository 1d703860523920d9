// The jitter buffer's packets by extended RTP sequence number.
/**
 * Packets by extended sequence number: a ring indexed by the low bits, with
 * a Map only for a key whose ring place is taken by another (a sequence
 * jump). A Map alone reallocates its table as packets come and go, fifty
 * times a second per call.
 */
export class SeqSlots<T> {
  private readonly keys: Float64Array;
  private readonly items: (T | undefined)[];
  private readonly mask: number;
  private readonly overflow = new Map<number, T>();
  size = 0;

  /** Room in the ring for twice `frames` packets (at least 16); more keys go to the Map. */
  constructor(frames: number) {
    let capacity = 16;
    while (capacity < 2 * frames + 2) capacity *= 2;
    this.mask = capacity - 1;
    this.keys = new Float64Array(capacity).fill(-1);
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }

  has(key: number): boolean {
    return this.keys[key & this.mask] === key || (this.overflow.size > 0 && this.overflow.has(key));
  }

  get(key: number): T | undefined {
    const i = key & this.mask;
    if (this.keys[i] === key) return this.items[i];
    return this.overflow.size > 0 ? this.overflow.get(key) : undefined;
  }

  set(key: number, item: T): void {
    const i = key & this.mask;
    if (this.keys[i] === key) {
      this.items[i] = item;
      return;
    }
    if (this.overflow.size > 0 && this.overflow.has(key)) {
      this.overflow.set(key, item);
      return;
    }
    if (this.keys[i] === -1) {
      this.keys[i] = key;
      this.items[i] = item;
    } else {
      this.overflow.set(key, item);
    }
    this.size++;
  }

  delete(key: number): boolean {
    const i = key & this.mask;
    if (this.keys[i] === key) {
      this.keys[i] = -1;
      this.items[i] = undefined;
      this.size--;
      return true;
    }
    if (this.overflow.size > 0 && this.overflow.delete(key)) {
      this.size--;
      return true;
    }
    return false;
  }

  clear(): void {
    this.keys.fill(-1);
    this.items.fill(undefined);
    this.overflow.clear();
    this.size = 0;
  }
}
