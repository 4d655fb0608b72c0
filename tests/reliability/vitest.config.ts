import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'integration:reliability',
    // The load test runs two 30 s phases against real processes.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
