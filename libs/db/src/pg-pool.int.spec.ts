import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { GuardedPool } from './pg-pool';

/**
 * The PostgreSQL pool's two waits (services mode only: PGlite has no pool). A busy pool queues a
 * request until a connection is free; a server that does not answer fails requests fast, and one
 * probe at a time finds it again. The server is reached through a proxy the test can turn into a
 * black hole (connections accepted, never answered), as a dead host or a full network looks.
 */
const URL = process.env.DATABASE_URL && process.env.REDIS_URL ? process.env.DATABASE_URL : '';
const describeServices = URL ? describe : describe.skip;

describeServices('guarded PostgreSQL pool', () => {
  let proxy: Server;
  let port = 0;
  let blackHole = false;
  const sockets = new Set<Socket>();
  const target = URL ? new globalThis.URL(URL) : null;

  beforeAll(async () => {
    proxy = createServer((client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => undefined);
      if (blackHole) return; // accepted, never answered
      const upstream = createConnection(Number(target!.port || 5432), target!.hostname);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    port = (proxy.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => proxy.close(r));
  });

  const open = (max: number) => {
    const u = new globalThis.URL(URL);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return new GuardedPool(u.toString(), max);
  };
  const query = async (pool: GuardedPool, text: string) => {
    const c = await pool.connect();
    try {
      return await c.query(text);
    } finally {
      c.release();
    }
  };

  it('queues requests behind a busy pool instead of refusing them', async () => {
    const pool = open(2);
    try {
      // six statements of 0.6 s on two connections: the last waits about 1.8 s for a connection,
      // longer than a new connection may take to open
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => query(pool, 'SELECT pg_sleep(0.6), 1 AS ok')),
      );
      expect(results.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
      expect(pool.serverDown).toBe(false);
    } finally {
      await pool.end();
    }
  });

  it('a server that does not answer fails requests; one probe at a time finds it again', async () => {
    const pool = open(2);
    try {
      expect((await query(pool, 'SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
      // the server goes silent: the open connection is cut, new ones are never answered
      blackHole = true;
      for (const s of sockets) s.destroy();
      // the pool notices its idle connection closing
      await new Promise((r) => setTimeout(r, 200));
      const first = await query(pool, 'SELECT 1').then(
        () => 'answered',
        (e: Error) => e.message,
      );
      expect(first).toMatch(/Connection terminated|timeout/);
      expect(pool.serverDown).toBe(true);

      // while one probe is out, every other request is refused at once: it settles before it
      const order: string[] = [];
      const probe = query(pool, 'SELECT 1').then(
        () => order.push('probe answered'),
        () => order.push('probe failed'),
      );
      const other = query(pool, 'SELECT 1').then(
        () => order.push('other answered'),
        (e: Error) => order.push(`other refused: ${/did not answer/.test(e.message)}`),
      );
      await Promise.all([probe, other]);
      expect(order).toEqual(['other refused: true', 'probe failed']);

      // the server is back: the next request is the probe that finds it
      blackHole = false;
      expect((await query(pool, 'SELECT 2 AS ok')).rows).toEqual([{ ok: 2 }]);
      expect(pool.serverDown).toBe(false);
    } finally {
      blackHole = false;
      await pool.end();
    }
  });
});
