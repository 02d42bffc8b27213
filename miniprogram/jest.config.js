module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.js'],
  // The end-to-end test starts the real backend (migrations + demo data) and talks HTTP to it.
  testTimeout: 20000,
}
