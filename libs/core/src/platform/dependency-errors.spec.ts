import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { DomainError } from './errors';
import { asDependencyError, dependencyOf } from './dependency-errors';

/**
 * The drivers' real failure shapes are told apart from ordinary errors: here node-postgres
 * opening a connection to a server that accepts it and never answers (a saturated or dead
 * host), which fails with its own connect-timeout error.
 */
describe('dependency errors', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it("takes node-postgres's connect timeout as the database being down (a 503, not a 500)", async () => {
    const { port } = server.address() as { port: number };
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'x',
      database: 'x',
      connectionTimeoutMillis: 200,
    });
    const err = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(dependencyOf(err)).toBe('database');
    const mapped = asDependencyError(err);
    expect(mapped).toBeInstanceOf(DomainError);
    expect((mapped as DomainError).code).toBe('DEPENDENCY_DOWN');
  });

  it('leaves an ordinary error alone', () => {
    const err = new Error('relation "nope" does not exist');
    expect(dependencyOf(err)).toBeNull();
    expect(asDependencyError(err)).toBe(err);
  });
});
