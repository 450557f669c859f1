// Dependency rules from DESIGN.md §2, checked by `npm run depcruise`.
// Direction: apps → libs, never back; apps never import each other; libs/domain and libs/routing
// are pure (no framework, no I/O); the console imports only contracts, domain and routing.

/** Server-side frameworks and drivers: nothing pure (domain, routing) or browser-side may use them. */
const FRAMEWORK =
  '(^|/)node_modules/(@nestjs/|kysely/|pg/|pg-[a-z-]+/|@electric-sql/|bullmq/|ioredis/|' +
  'socket\\.io/|socket\\.io-[a-z-]+/|@socket\\.io/|express/|rxjs/|reflect-metadata/)';

/** Node built-ins that do I/O or spawn work. */
const NODE_IO =
  '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|dns|dns/promises|tls|' +
  'cluster|worker_threads|readline|readline/promises|inspector|repl|process)$';

/**
 * libs/core feature folders, lowest first (ARCHITECTURE.md). A feature imports only features
 * before it in this list, so the feature graph cannot have a cycle; to depend on a later feature,
 * move one of the two (or the helper they share) first.
 */
const CORE_LAYERS = [
  'platform',
  'auth',
  'schemes',
  'realtime',
  'alerts',
  'roads',
  'fleet',
  'incident-log',
  'timers',
  'dispatch',
  'command',
  'coverage',
  'perimeters',
  'incidents',
  'reports',
  'console-sync',
  'messages',
  'safety',
  'imports',
  'training',
  'patrol',
  'deployment',
  'exercises',
  'safety-index',
];

/** One rule per feature: nothing it imports may come later in CORE_LAYERS. */
const coreLayerRules = CORE_LAYERS.slice(0, -1).map((feature, i) => ({
  name: `core-layers-${feature}`,
  severity: 'error',
  comment:
    `libs/core/src/${feature} may import only the features listed before it in CORE_LAYERS ` +
    '(.dependency-cruiser.cjs): the feature graph stays acyclic.',
  from: { path: `^libs/core/src/${feature}/` },
  to: { path: `^libs/core/src/(${CORE_LAYERS.slice(i + 1).join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...coreLayerRules,
    {
      name: 'core-features-through-their-index',
      severity: 'error',
      comment:
        'Inside libs/core a feature folder imports another feature only through its index.ts ' +
        "(`../fleet`, never `../fleet/positions.service`): the index is the feature's public face.",
      from: { path: '^libs/core/src/([^/]+)/' },
      to: {
        path: '^libs/core/src/[^/]+/',
        pathNot: ['^libs/core/src/$1/', '^libs/core/src/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'core-features-not-to-core-index',
      severity: 'error',
      comment:
        'A libs/core feature never imports @ringcad/core (libs/core/src/index.ts): that index ' +
        're-exports every feature, the importing one included.',
      from: { path: '^libs/core/src/[^/]+/' },
      to: { path: '^libs/core/src/index\\.ts$' },
    },
    {
      name: 'core-no-loose-files',
      severity: 'error',
      comment: 'libs/core/src holds feature folders and its index.ts only.',
      from: { path: '^libs/core/src/index\\.ts$' },
      to: { path: '^libs/core/src/[^/]+\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Circular dependencies make module load order matter and hide layering mistakes.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'apps-not-to-other-apps',
      severity: 'error',
      comment: 'Apps never import each other; what api and worker both run lives in libs/core.',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'libs-not-to-apps',
      severity: 'error',
      comment: 'Dependency direction is apps → libs, never back.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment:
        'Production code never imports from the cross-app test or bench folders (specs may use ' +
        'the shared test support, e.g. a fresh database in either mode).',
      from: { path: '^(apps|libs)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'pure-libs-no-framework',
      severity: 'error',
      comment: 'libs/domain and libs/routing are pure TypeScript: no framework, driver or queue.',
      from: { path: '^libs/(domain|routing)/' },
      to: { path: FRAMEWORK },
    },
    {
      name: 'pure-libs-no-node-io',
      severity: 'error',
      comment:
        'libs/domain and libs/routing do no I/O: callers read files/sockets and pass data in.',
      // specs may read fixture files and run reference tools
      from: { path: '^libs/(domain|routing)/', pathNot: '\\.spec\\.ts$' },
      to: { dependencyTypes: ['core'], path: NODE_IO },
    },
    {
      name: 'pure-libs-not-to-server-libs',
      severity: 'error',
      comment:
        'libs/domain and libs/routing cannot reach framework code through libs/db or libs/core.',
      from: { path: '^libs/(domain|routing)/' },
      to: { path: '^libs/(db|core)/' },
    },
    {
      name: 'domain-not-to-contracts',
      severity: 'error',
      comment: 'contracts builds on domain, not the other way round.',
      from: { path: '^libs/domain/' },
      to: { path: '^libs/contracts/' },
    },
    {
      name: 'contracts-only-zod-and-domain',
      severity: 'error',
      comment:
        'libs/contracts is zod schemas + types, shared by browser and server: zod and domain only.',
      from: { path: '^libs/contracts/' },
      to: { pathNot: ['^libs/contracts/', '^libs/domain/', '(^|/)node_modules/zod/'] },
    },
    {
      name: 'db-no-nestjs',
      severity: 'error',
      comment:
        'libs/db is plain Kysely/driver code usable from scripts and the worker without Nest.',
      from: { path: '^libs/db/' },
      to: { path: '(^|/)node_modules/@nestjs/' },
    },
    {
      name: 'console-only-shared-libs',
      severity: 'error',
      comment: 'The console imports only libs/contracts, libs/domain and libs/routing.',
      from: { path: '^apps/(console|terminal)/' },
      to: { path: '^libs/', pathNot: '^libs/(contracts|domain|routing)/' },
    },
    {
      name: 'console-no-server-packages',
      severity: 'error',
      comment:
        'The console runs in a browser: no server frameworks, drivers or node built-ins (its Vite ' +
        'config runs in Node at build time: it may write files).',
      from: {
        path: '^apps/(console|terminal)/',
        pathNot: '^apps/(console|terminal)/vite\\.config\\.ts$',
      },
      to: { path: [FRAMEWORK, NODE_IO] },
    },
    {
      name: 'runtime-not-to-dev-deps',
      severity: 'error',
      comment:
        'The production image prunes devDependencies: code the api and worker run may not import ' +
        'them (specs and type-only imports excepted).',
      from: {
        path: '^(apps/(api|worker)|libs/[^/]+)/src/',
        pathNot: '\\.spec\\.ts$|/testing/',
      },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unlisted-packages',
      severity: 'error',
      comment: 'Every imported package must be listed in package.json.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that cannot be resolved is a typo or a missing package.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'libs-through-their-index',
      severity: 'error',
      comment:
        'Import a lib through its alias (@ringcad/<name>, i.e. its src/index.ts), not its internals.',
      from: { path: '^(apps|libs)/([^/]+)/' },
      // the contract's constants and replay codec have their own entries (zod-free, for the
      // console's bundle), and so has the worker threads' plumbing (@ringcad/db/threads: no
      // database drivers loaded)
      to: {
        path: '^libs/([^/]+)/src/',
        pathNot: [
          '^libs/[^/]+/src/index\\.ts$',
          '^libs/contracts/src/constants\\.ts$',
          '^libs/contracts/src/replay-columnar\\.ts$',
          '^libs/db/src/worker-thread\\.ts$',
          '^libs/$2/',
        ],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // build output wherever it is (apps/console/dist holds the bundled console)
    exclude: { path: ['(^|/)(dist|\\.data|node_modules)/', '^coverage/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
