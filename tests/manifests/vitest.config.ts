import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'infra:manifests',
    // istioctl and the schema validators start in a second or two each; the first kustomize build
    // and the Istio CRDs take a few more.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
