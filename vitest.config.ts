import { defineConfig } from 'vitest/config';

/**
 * Three projects:
 *  - "unit": fast tests beside the code (platform/, contracts/, functions/…) and the floors check;
 *  - "main": integration tests, files in parallel; each worker gets its own
 *    PostgreSQL schema prefix, Redis key prefix, MongoDB database and RabbitMQ names
 *    (test/setup/isolation.ts), so runs never see each other.
 *  - "fault": crash tests (kill -9 of private RabbitMQ/FerretDB instances, the broker's
 *    process, a gateway worker); heavy, so one file at a time.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          // Beside the code: each operation's handle with its stores faked, the floors, pure
          // rules. No running service is needed; `npm run test:unit` runs these in seconds.
          name: 'unit',
          include: ['platform/**/*.test.ts', 'bench/**/*.test.ts', 'contracts/**/*.test.ts', 'functions/**/*.test.ts', 'eventing/**/*.test.ts', 'notifier/**/*.test.ts', 'local/**/*.test.ts', 'simulate/**/*.test.ts', 'test/architecture/**/*.test.ts'],
          exclude: ['node_modules/**'],
          setupFiles: ['test/setup/isolation.ts'],
          testTimeout: 10_000,
          pool: 'threads',
        },
      },
      {
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: ['**/*.fault.test.ts', 'test/architecture/**', 'node_modules/**'],
          setupFiles: ['test/setup/isolation.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'fault',
          include: ['test/**/*.fault.test.ts'],
          setupFiles: ['test/setup/isolation.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
