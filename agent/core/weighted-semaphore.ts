/**
 * Admits work by weight against a fixed capacity (bytes of memory a build may take): work starts when its
 * weight fits beside what is running, else waits in arrival order, so one large build does not run
 * beside three others and a stream of small ones cannot starve a large one (first in, first admitted).
 * A weight above the capacity is admitted alone, once nothing else runs: it is never refused here (the
 * limits in limits.ts do the refusing).
 */

export class WeightedSemaphore {
  readonly capacity: number;
  #used = 0;
  #running = 0;
  readonly #waiting: Array<{ weight: number; admit: () => void }> = [];

  constructor(capacity: number) {
    if (!(capacity > 0)) throw new Error(`Cannot create a weighted semaphore: capacity must be above 0, not ${capacity}`);
    this.capacity = capacity;
  }

  /** Weight taken by the work running now. */
  get used(): number {
    return this.#used;
  }

  /** Runs `fn` once `weight` is admitted and releases it when `fn` settles. */
  async run<T>(weight: number, fn: () => Promise<T>): Promise<T> {
    const w = Math.min(Math.max(weight, 0), this.capacity);
    if (this.#waiting.length > 0 || !this.#fits(w)) await new Promise<void>((admit) => this.#waiting.push({ weight: w, admit }));
    else this.#take(w);
    try {
      return await fn();
    } finally {
      this.#used -= w;
      this.#running--;
      this.#admitWaiting();
    }
  }

  #fits(w: number): boolean {
    return this.#running === 0 || this.#used + w <= this.capacity;
  }

  #take(w: number): void {
    this.#used += w;
    this.#running++;
  }

  #admitWaiting(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.weight)) {
      const next = this.#waiting.shift()!;
      this.#take(next.weight);
      next.admit();
    }
  }
}
