/**
 * Admits work by weight against a fixed capacity (bytes of memory a build or a download may take): work
 * starts when its weight fits beside what is running, else waits in arrival order, so one large build does
 * not run beside three others and a stream of small ones cannot starve a large one (first in, first
 * admitted). A weight above the capacity is admitted alone, once nothing else runs: it is never refused
 * here (the limits in limits.ts do the refusing).
 *
 * Work whose weight shows only as it runs (a download: git does not say a pack's size before sending it)
 * holds a lease and grows it (`hold`, `Lease.grow`): growth waits until it fits, except for the oldest
 * running work, which always gets it, so something always progresses and growing leases cannot deadlock.
 * Running work that grows is served before new work is admitted. The bound is then the capacity plus what
 * the oldest work holds beyond its share.
 */

/** Weight held by running work, which it may grow. */
export interface Lease {
  /** Weight held now. */
  readonly weight: number;
  /** Waits until `more` fits beside the rest (at once for the oldest running work), then holds it too. */
  grow(more: number): Promise<void>;
}

/** A lease entered on its first `reserve`, so work that never reserves never waits; left by `release`. */
export interface LazyLease {
  /** The first call waits for admission with `bytes`, later ones grow the lease by `bytes`. */
  reserve(bytes: number): Promise<void>;
  release(): void;
}

interface Holder {
  weight: number;
}

export class WeightedSemaphore {
  readonly capacity: number;
  #used = 0;
  /** Running work, oldest first. */
  readonly #running: Holder[] = [];
  readonly #waiting: Array<{ holder: Holder; admit: () => void }> = [];
  readonly #growing: Array<{ holder: Holder; more: number; admit: () => void }> = [];

  constructor(capacity: number) {
    if (!(capacity > 0)) throw new Error(`Cannot create a weighted semaphore: capacity must be above 0, not ${capacity}`);
    this.capacity = capacity;
  }

  /** Weight taken by the work running now. */
  get used(): number {
    return this.#used;
  }

  /** Runs `fn` once `weight` is admitted and releases it when `fn` settles. */
  run<T>(weight: number, fn: () => Promise<T>): Promise<T> {
    return this.hold(weight, fn);
  }

  /** Runs `fn` once `weight` is admitted, with a lease it may grow; releases all of it when `fn` settles. */
  async hold<T>(weight: number, fn: (lease: Lease) => Promise<T>): Promise<T> {
    const holder: Holder = { weight: this.#clamp(weight, 0) };
    if (this.#waiting.length > 0 || this.#growing.length > 0 || !this.#fits(holder.weight)) {
      await new Promise<void>((admit) => this.#waiting.push({ holder, admit }));
    } else this.#take(holder);
    const lease: Lease = {
      get weight() {
        return holder.weight;
      },
      grow: (more) => this.#grow(holder, more),
    };
    try {
      return await fn(lease);
    } finally {
      this.#used -= holder.weight;
      this.#running.splice(this.#running.indexOf(holder), 1);
      this.#admitWaiting();
    }
  }

  /** A lease for work that learns its weight as it runs: see LazyLease. */
  lazy(): LazyLease {
    let lease: Promise<Lease> | undefined;
    let leave: (() => void) | undefined;
    let released = false;
    return {
      reserve: async (bytes) => {
        if (lease) return (await lease).grow(bytes);
        lease = new Promise<Lease>((entered) => {
          void this.hold(bytes, (l) => {
            entered(l);
            return released ? Promise.resolve() : new Promise<void>((r) => (leave = r));
          });
        });
        await lease;
      },
      release: () => {
        released = true;
        leave?.();
      },
    };
  }

  /** A weight within [0, capacity - held]: a lease never holds more than the whole capacity. */
  #clamp(weight: number, held: number): number {
    return Math.min(Math.max(weight, 0), this.capacity - held);
  }

  #fits(w: number): boolean {
    return this.#running.length === 0 || this.#used + w <= this.capacity;
  }

  #take(holder: Holder): void {
    this.#used += holder.weight;
    this.#running.push(holder);
  }

  /** The oldest running work grows at once; other work when it fits and no earlier growth waits. */
  async #grow(holder: Holder, more: number): Promise<void> {
    const m = this.#clamp(more, holder.weight);
    if (m <= 0) return;
    const oldest = this.#running[0] === holder;
    if (!oldest && (this.#growing.length > 0 || this.#used + m > this.capacity)) {
      await new Promise<void>((admit) => this.#growing.push({ holder, more: m, admit }));
      return;
    }
    holder.weight += m;
    this.#used += m;
  }

  #admitWaiting(): void {
    // Running work first: what it holds is already in memory, and it frees everything when it ends.
    while (this.#growing.length > 0) {
      const g = this.#growing[0]!;
      if (this.#running[0] !== g.holder && this.#used + g.more > this.capacity) return;
      this.#growing.shift();
      g.holder.weight += g.more;
      this.#used += g.more;
      g.admit();
    }
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.holder.weight)) {
      const next = this.#waiting.shift()!;
      this.#take(next.holder);
      next.admit();
    }
  }
}
