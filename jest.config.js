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
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/apps/console/'],
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
