// One Jest run for pure specs, integration specs and e2e; each file gets a fresh module registry.
const swcConfig = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    '/dist/',
    '/apps/console/',
    // Services mode (`npm test` with DATABASE_URL and REDIS_URL) runs what the database and Redis
    // change. Not again there: the pure specs of the routing, domain and contract libraries (the
    // dependency rules keep them from any database or Redis), and the console's browser specs
    // (the console is the same code in both modes; what services mode changes under it, the api
    // with PostgreSQL, Redis fan-out across instances and the worker, is the e2e suites' to show).
    // Both ran in embedded mode, the default product; run once, the two halves of `.ci/run` stay
    // well inside its time (together they were ~10 of its ~48 minutes on a 2-core machine).
    ...(process.env.RINGCAD_TEST_MODE === 'services'
      ? [
          '/libs/(routing|domain|contracts)/src/(?:[^/]+/)*[^/]+(?<!\\.int)\\.spec\\.ts$',
          '/test/browser/',
        ]
      : []),
  ],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', swcConfig] },
  // flatbush/kdbush and friends ship ESM only; let swc turn them into CommonJS for Jest.
  transformIgnorePatterns: [
    '/node_modules/(?!(flatbush|kdbush|flatqueue|tinyqueue|rbush|quickselect)/)',
  ],
  moduleNameMapper: {
    // the contract's zod-free constants (the console's entry)
    '^@ringcad/contracts/constants$': '<rootDir>/libs/contracts/src/constants.ts',
    '^@ringcad/contracts/replay-columnar$': '<rootDir>/libs/contracts/src/replay-columnar.ts',
    // the worker threads' entry: request/reply plumbing without the database drivers
    '^@ringcad/db/threads$': '<rootDir>/libs/db/src/worker-thread.ts',
    '^@ringcad/(contracts|domain|db|core|routing)$': '<rootDir>/libs/$1/src/index.ts',
  },
  // one migrated template database per run, copied by every test stack (test/support/db-template.ts)
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 120000,
  maxWorkers: 2,
};
