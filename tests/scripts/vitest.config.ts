import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'infra:scripts',
    // Each test runs bash scripts that call curl, openssl or kubectl; the suites start the
    // identity provider and the services as processes.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The lab checks list every problem in one message: show all of it.
    chaiConfig: { truncateThreshold: 0 },
  },
});
