/** @type {import('jest').Config} */
// chalk 5 and ora 9 are ESM-only: let @swc/jest transform them too.
const esmOnly = ['chalk', 'ora', 'cli-cursor', 'restore-cursor', 'log-symbols', 'is-unicode-supported',
  'is-interactive', 'stdin-discarder', 'string-width', 'strip-ansi', 'ansi-regex', 'get-east-asian-width',
  'emoji-regex', 'mimic-function', 'onetime', 'signal-exit', 'yoctocolors', 'cli-spinners'];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 120000,
};
