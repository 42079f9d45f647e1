/** Jest with @swc/jest: type-checking is `npm run typecheck`'s job, tests only run. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // @middy/core ships ES modules only; let swc turn it into CommonJS for Jest.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFiles: ['<rootDir>/tests/helpers/setup-env.js'],
  // Unit tests start no server or store (#10): listening throws under tests/unit/.
  setupFilesAfterEnv: ['<rootDir>/tests/helpers/unit-no-servers.js'],
  // One SEED per run for the tests' random orders, printed with a replay command on failure.
  globalSetup: '<rootDir>/tests/helpers/seed-setup.js',
  reporters: ['default', '<rootDir>/tests/helpers/seed-reporter.js'],
  testTimeout: 30000,
  // With --coverage (`npm test` runs `jest tests/unit --coverage`): the decisions and the wire
  // mapping must be covered by the in-process unit tests alone (#10).
  collectCoverageFrom: ['lib/scenarios/**/*.ts', 'lib/front-ends/**/*.ts', 'lib/app.ts'],
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: {
    './lib/scenarios/': { lines: 90, branches: 85 },
    './lib/front-ends/': { lines: 90, branches: 85 },
  },
};
