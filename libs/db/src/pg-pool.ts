import pg, { Pool, type PoolClient, type ClientConfig } from 'pg';

/** Longest a new connection may take to open: past it the server counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 1500;
/**
 * Longest a request waits for a free connection of a busy pool. A peak hour queues a request for
 * a moment; it does not refuse a 110 call because ten others are being written.
 */
export const POOL_WAIT_MS = 5000;

/** Raised to callers while the server is known to be unreachable (matched as "database down"). */
const downError = () =>
  new Error('Connection terminated: the database did not answer the last connection attempt');

/** The node-postgres client with the short bound on opening a connection. */
class BoundedClient extends pg.Client {
  constructor(config?: ClientConfig) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
}

/**
 * A node-postgres pool whose two waits are kept apart. pg-pool has one `connectionTimeoutMillis`
 * for both opening a connection and waiting for a free one, so a bound short enough to notice a
 * dead server (then 503) also refused requests that were merely queued behind a busy pool.
 * Here a new connection must open within CONNECT_TIMEOUT_MS while a queued request waits up to
 * POOL_WAIT_MS. Once a new connection has failed, and until one succeeds again, the server is
 * taken as down: a request with no idle connection to use fails at once, or after
 * CONNECT_TIMEOUT_MS if it was already waiting, while one attempt at a time probes for the
 * server's return.
 */
export class GuardedPool {
  readonly pool: Pool;
  private down = false;
  private probing = false;
  private readonly waitListeners = new Set<(waitMs: number) => void>();

  constructor(connectionString: string, max: number) {
    this.pool = new Pool({
      connectionString,
      max,
      // connections stay open once made (none closed for being idle): a request at the peak
      // never waits on a new connection, which on a saturated machine took over
      // CONNECT_TIMEOUT_MS once and failed a 110 call
      min: max,
      connectionTimeoutMillis: POOL_WAIT_MS,
      keepAlive: true,
      Client: BoundedClient,
    });
    this.pool.on('error', () => undefined); // an idle client's error must not crash the process
    this.pool.on('connect', (client) => {
      this.down = false;
      // pg-pool listens for errors on idle clients only: when the server goes away (admin
      // shutdown, 57P01) a checked-out client between two queries of a transaction emits
      // 'error' with no listener, which ends the process. The client is then not queryable: its
      // next query fails, the caller gets DEPENDENCY_DOWN, and the pool drops it on release.
      client.on('error', () => undefined);
    });
  }

  /** Whether the last new connection failed and none has opened since. */
  get serverDown(): boolean {
    return this.down;
  }

  /** Called with each granted connection's wait (ms) from the request to the pool until it had one. */
  onWait(listener: (waitMs: number) => void): () => void {
    this.waitListeners.add(listener);
    return () => this.waitListeners.delete(listener);
  }

  connect(): Promise<PoolClient> {
    const asked = performance.now();
    const probe = this.down && this.pool.idleCount === 0;
    if (probe && this.probing) return Promise.reject(downError());
    if (probe) this.probing = true;
    return new Promise<PoolClient>((resolve, reject) => {
      let settled = false;
      const giveUp = setTimeout(() => {
        if (!this.down || settled) return;
        settled = true;
        if (probe) this.probing = false;
        reject(downError());
      }, CONNECT_TIMEOUT_MS);
      this.pool.connect().then(
        (client) => {
          clearTimeout(giveUp);
          if (probe && !settled) this.probing = false;
          if (settled) client.release();
          else {
            settled = true;
            const waitMs = performance.now() - asked;
            for (const listener of this.waitListeners) listener(waitMs);
            resolve(client);
          }
        },
        (err: Error) => {
          clearTimeout(giveUp);
          if (probe && !settled) this.probing = false;
          // the pool's own wait ran out: busy, not down; anything else is a connection that failed
          if (!/timeout exceeded when trying to connect/.test(err.message)) this.down = true;
          if (!settled) {
            settled = true;
            reject(err);
          }
        },
      );
    });
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
