// ESLint flat config. Type-aware rules run on the TypeScript covered by tsconfig.json and on the
// console (apps/console/tsconfig.json: DOM, bundler resolution) with the same strictness;
// config/build scripts in plain JavaScript get no type-aware linting.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const consoleFiles = ['apps/console/src/**/*.ts'];

const typedFiles = [
  'apps/*/src/**/*.ts',
  'libs/*/src/**/*.ts',
  'test/**/*.ts',
  'bench/**/*.ts',
  'scripts/**/*.ts',
];

/** The rules of every type-aware block (server, libs, tests and the console alike). */
const serverRules = {
  // Required by CONVENTIONS.md.
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': 'error',
  '@typescript-eslint/switch-exhaustiveness-check': [
    'error',
    { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
  ],

  // Pragmatic: `any` leaks mostly at library boundaries (pg rows, socket payloads before
  // zod parsing); flag them, don't block on them.
  '@typescript-eslint/no-unsafe-assignment': 'warn',
  '@typescript-eslint/no-unsafe-member-access': 'warn',
  '@typescript-eslint/no-unsafe-call': 'warn',
  '@typescript-eslint/no-unsafe-return': 'warn',
  '@typescript-eslint/no-unsafe-argument': 'warn',
  '@typescript-eslint/no-unsafe-enum-comparison': 'off',
  // NestJS lifecycle hooks and interface methods are often `async` without awaiting.
  '@typescript-eslint/require-await': 'off',
  '@typescript-eslint/no-unused-vars': [
    'error',
    {
      argsIgnorePattern: '^_',
      varsIgnorePattern: '^_',
      caughtErrorsIgnorePattern: '^_',
      destructuredArrayIgnorePattern: '^_',
      ignoreRestSiblings: true,
    },
  ],
  // Nest modules are empty decorated classes.
  '@typescript-eslint/no-extraneous-class': 'off',
};

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'apps/console/dist/**',
      '.data/**',
      '.test-data/**',
      'artifacts/**',
      'bench/results/**',
    ],
  },

  // Plain JavaScript (config files, scripts/*.mjs): no type information.
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 2023,
      globals: { ...globals.node },
    },
  },
  {
    files: ['**/*.cjs', 'jest.config.js'],
    languageOptions: { sourceType: 'commonjs' },
  },

  // TypeScript with type information.
  {
    files: typedFiles,
    ignores: consoleFiles,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: serverRules,
  },

  // The console: the same type-aware rules over its own project (DOM, bundler resolution).
  {
    files: consoleFiles,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: 'apps/console/tsconfig.json',
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.browser },
    },
    rules: serverRules,
  },

  // The console's Vite config (Node, outside the console's project): syntax rules only.
  {
    files: ['apps/console/vite.config.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },

  // Named exports only in application and library code (not in config files).
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['apps/console/vite.config.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportDefaultDeclaration',
          message: 'Use named exports (CONVENTIONS.md).',
        },
        {
          selector: 'TSEnumDeclaration',
          message: 'Use a string-literal union instead of an enum (CONVENTIONS.md).',
        },
      ],
    },
  },

  // Jest specs: unbound methods in expect(...) are normal.
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // tests read untyped JSON responses from the public contract
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
