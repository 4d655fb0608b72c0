import { defineConfig } from 'vitest/config';

// Project names choose the tier: `@cns/*` (packages, apps, bench) is `pnpm test:fast`, in process on
// port 0 with no system tools; `integration:*` starts real processes (and nginx); `infra:*` runs the
// manifest validators and the lab scripts with their command-line tools. tests/README.md maps them.
export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      'bench',
      'tests/stack',
      'tests/reliability',
      'tests/manifests',
      'tests/scripts',
    ],
  },
});
