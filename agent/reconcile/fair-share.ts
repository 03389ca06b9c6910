/**
 * Fair sharing of one process's reconcile slots between tenants (issue 24, Flux's noisy-neighbour
 * problem fluxcd/flux2#5622): the process runs at most `slots` works at once, each tenant at most its
 * `limit`, and a freed slot goes to the tenant with waiting work that was served least recently (round
 * robin), never to one at its limit; a tenant's own works start in the order they asked (FIFO). So a
 * tenant with 1,000 failing objects gets its share of the slots, not the whole process: a quiet tenant
 * waits for at most one grant per other tenant, whatever the noisy one has queued.
 *
 * Limits: it shares slots, not time. A work holds its slot until it settles, so a tenant whose works run
 * long holds up to its `limit` slots that long (the host picks a limit below `slots` to bound that).
 * close() frees the tenant's slots at once, counting its still-running works as gone: the host closes a
 * tenant it stops, and a removed tenant's slow works must not keep the others waiting.
 */

/** Runs works under a limit. WorkQueue runs each worker call through one when it is given. */
export interface Gate {
  run<T>(work: () => Promise<T>): Promise<T>;
}

export interface TenantShare {
  name: string;
  running: number;
  waiting: number;
  limit: number;
}

interface Waiter {
  start: () => void;
  fail: (err: Error) => void;
}

interface Tenant {
  readonly name: string;
  readonly limit: number;
  running: number;
  readonly waiters: Waiter[];
  /** The grant number that last served this tenant (0: never); the lowest is served next. */
  served: number;
  closed: boolean;
}

export class FairShare {
  readonly #slots: number;
  /** Insertion order breaks ties between tenants never served. */
  readonly #tenants = new Map<string, Tenant>();
  #running = 0;
  #grants = 0;

  constructor(o: { slots: number }) {
    this.#slots = wholeNumber(o.slots, "Cannot create the fair share: slots");
  }

  get slots(): number {
    return this.#slots;
  }

  /** Works running now, across the open tenants. */
  get running(): number {
    return this.#running;
  }

  /** Each open tenant's running and waiting works (for metrics and tests). */
  shares(): TenantShare[] {
    return [...this.#tenants.values()].map((t) => ({ name: t.name, running: t.running, waiting: t.waiters.length, limit: t.limit }));
  }

  /**
   * One tenant's gate: at most `limit` (default: all the slots) of its works run at once; a free process
   * slot goes to the tenant with waiting work that was served least recently, never to one at its limit.
   * close() rejects the tenant's waiting works and frees its slots; the name may then be used again.
   */
  tenant(name: string, o: { limit?: number } = {}): Gate & { close(): void } {
    const limit = wholeNumber(o.limit ?? this.#slots, `Cannot add the tenant "${name}" to the fair share: limit`);
    if (this.#tenants.has(name)) throw new Error(`Cannot add the tenant "${name}" to the fair share: it already has an open gate`);
    const t: Tenant = { name, limit, running: 0, waiters: [], served: 0, closed: false };
    this.#tenants.set(name, t);
    return {
      run: (work) => this.#run(t, work),
      close: () => this.#close(t),
    };
  }

  async #run<T>(t: Tenant, work: () => Promise<T>): Promise<T> {
    if (t.closed) throw closedError(t);
    // A free slot means no eligible tenant is waiting (every release hands slots out at once), so the
    // work starts now unless this tenant's own earlier works wait (FIFO) or it is at its limit.
    if (t.waiters.length === 0 && t.running < t.limit && this.#running < this.#slots) this.#take(t);
    else await new Promise<void>((start, fail) => t.waiters.push({ start, fail }));
    try {
      return await work();
    } finally {
      this.#release(t);
    }
  }

  #take(t: Tenant): void {
    t.running++;
    this.#running++;
    t.served = ++this.#grants;
  }

  #release(t: Tenant): void {
    // A closed tenant's slots were freed by close().
    if (t.closed) return;
    t.running--;
    this.#running--;
    this.#dispatch();
  }

  /** Hands free slots out, one at a time, to the least recently served tenant that can take one. */
  #dispatch(): void {
    while (this.#running < this.#slots) {
      let next: Tenant | undefined;
      for (const t of this.#tenants.values()) {
        if (t.waiters.length > 0 && t.running < t.limit && (!next || t.served < next.served)) next = t;
      }
      if (!next) return;
      this.#take(next);
      next.waiters.shift()!.start();
    }
  }

  #close(t: Tenant): void {
    if (t.closed) return;
    t.closed = true;
    this.#tenants.delete(t.name);
    this.#running -= t.running;
    t.running = 0;
    for (const w of t.waiters.splice(0)) w.fail(closedError(t));
    this.#dispatch();
  }
}

function closedError(t: Tenant): Error {
  return new Error(`Cannot run work for the tenant "${t.name}": its gate is closed`);
}

function wholeNumber(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a whole number of at least 1, not ${n}`);
  return n;
}
