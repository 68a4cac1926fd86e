// ESM mode: @actions/core 3 and @actions/github 9 ship only ESM, and gaxios loads
// node-fetch through a dynamic import() that needs --experimental-vm-modules.
/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 60000
}
