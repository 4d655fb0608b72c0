import { mount, type DOMWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { accessTokenClaims } from '../auth/access-token-claims.ts';
import TokenPanel from './TokenPanel.vue';

const NOW = 1_800_000_000;
const claims = accessTokenClaims({
  iss: 'http://localhost:8080/auth/realms/quarkus',
  aud: ['web-api', 'articles'],
  azp: 'frontend',
  realm_access: { roles: ['user'] },
  iat: NOW - 30,
  exp: NOW + 30,
});

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

const field = (wrapper: { findAll: (selector: string) => DOMWrapper<Element>[] }, term: string) =>
  wrapper
    .findAll('dt')
    .find((dt) => dt.text().startsWith(term))
    ?.element.nextElementSibling?.textContent?.trim();

describe('TokenPanel', () => {
  it('shows issuer, audience and roles from the decoded claims', () => {
    const wrapper = mount(TokenPanel, { props: { claims } });
    expect(field(wrapper, 'Issuer')).toBe('http://localhost:8080/auth/realms/quarkus');
    expect(field(wrapper, 'Audience')).toBe('web-api, articles');
    expect(field(wrapper, 'Realm roles')).toBe('user');
    expect(wrapper.find('pre').text()).toContain('"azp": "frontend"');
  });

  it('counts down to the expiry, and says what happens after it', async () => {
    const wrapper = mount(TokenPanel, { props: { claims } });
    expect(wrapper.find('[data-testid="token-expiry"]').text()).toBe('in 30 s');
    await vi.advanceTimersByTimeAsync(35_000);
    expect(wrapper.find('[data-testid="token-expiry"]').text()).toBe(
      '5 s ago — the next request refreshes it first',
    );
  });
});
