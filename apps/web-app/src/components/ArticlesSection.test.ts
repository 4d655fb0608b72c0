import type { WebApiArticle } from '@cns/articles-contract';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiErrorDetails, type ProblemKind } from '../api/api-error.ts';
import ArticlesSection from './ArticlesSection.vue';

const article: WebApiArticle = {
  id: '1',
  title: 'Recent Java Updates from IBM',
  url: 'http://heidloff.net/article/recent-java-updates-from-ibm',
  authorName: 'Niklas Heidloff',
  authorTwitter: 'nheidloff',
  authorBlog: 'http://heidloff.net',
};

async function mounted(load: () => Promise<WebApiArticle[]>) {
  const wrapper = mount(ArticlesSection, { props: { load } });
  await flushPromises();
  return wrapper;
}

const failing = (kind: ProblemKind, message: string, details: ApiErrorDetails) => () =>
  Promise.reject(new ApiError(kind, message, details));

describe('ArticlesSection', () => {
  it('says it is loading until the articles arrive, then shows the table', async () => {
    let resolve: (articles: WebApiArticle[]) => void = () => undefined;
    const wrapper = mount(ArticlesSection, {
      props: { load: () => new Promise<WebApiArticle[]>((done) => (resolve = done)) },
    });
    await flushPromises();
    expect(wrapper.find('[role="status"]').text()).toBe('Loading articles…');
    expect(wrapper.find('button').attributes('aria-disabled')).toBe('true');
    resolve([article]);
    await flushPromises();
    // The same live region announces the result, seen only by screen readers beside the table.
    const status = wrapper.find('[role="status"]');
    expect(status.text()).toBe('1 article loaded.');
    expect(status.classes()).toContain('visually-hidden');
    expect(wrapper.find('button').attributes('aria-disabled')).toBe('false');
    expect(wrapper.findAll('tbody tr')).toHaveLength(1);
  });

  it('ignores Reload while a load is under way, and keeps the button focusable', async () => {
    const load = vi.fn(() => new Promise<WebApiArticle[]>(() => undefined));
    const wrapper = mount(ArticlesSection, { props: { load } });
    await flushPromises();
    const button = wrapper.find('button');
    expect(button.attributes('disabled')).toBeUndefined();
    await button.trigger('click');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('says so when there are no articles', async () => {
    const wrapper = await mounted(() => Promise.resolve([]));
    expect(wrapper.find('[role="status"]').text()).toBe('There are no articles yet.');
    expect(wrapper.find('table').exists()).toBe(false);
  });

  it('explains a 403 as the missing user role and offers another login', async () => {
    const wrapper = await mounted(
      failing('forbidden', 'Token lacks the role user', {
        status: 403,
        code: 'insufficient_scope',
      }),
    );
    const alert = wrapper.find('[role="alert"]');
    expect(alert.find('.title').text()).toBe('Access denied: you lack the user role.');
    expect(alert.find('.title code').text()).toBe('user');
    expect(alert.find('.details').text()).toBe(
      'HTTP 403 · insufficient_scope · Token lacks the role user',
    );
    expect(alert.find('button').text()).toBe('Log in as another user');
    await alert.find('button').trigger('click');
    expect(wrapper.emitted('logout')).toHaveLength(1);
  });

  it('explains a 401 as an expired session and offers to log in again', async () => {
    const wrapper = await mounted(
      failing('session_expired', 'Token verification failed', {
        status: 401,
        code: 'invalid_token',
      }),
    );
    const alert = wrapper.find('[role="alert"]');
    expect(alert.find('.title').text()).toBe('Your session expired — log in again.');
    expect(alert.find('button').text()).toBe('Log in again');
    await alert.find('button').trigger('click');
    expect(wrapper.emitted('login')).toHaveLength(1);
  });

  it.each([
    [502, 'upstream_unavailable'],
    [504, 'upstream_timeout'],
  ])('explains a %i as the articles service being unavailable', async (status, code) => {
    const wrapper = await mounted(
      failing('articles_unavailable', 'articles did not answer', { status, code }),
    );
    const alert = wrapper.find('[role="alert"]');
    expect(alert.find('.title').text()).toBe('The articles service is unavailable.');
    expect(alert.find('.details').text()).toBe(
      `HTTP ${status} · ${code} · articles did not answer`,
    );
  });

  it('explains an unreachable web-api, and loads again on "Try again"', async () => {
    const load = vi
      .fn<() => Promise<WebApiArticle[]>>()
      .mockRejectedValueOnce(new ApiError('web_api_unavailable', 'web-api could not be reached'))
      .mockResolvedValueOnce([article]);
    const wrapper = mount(ArticlesSection, { props: { load }, attachTo: document.body });
    await flushPromises();
    const alert = wrapper.find('[role="alert"]');
    expect(alert.find('.title').text()).toBe('web-api is unavailable.');
    expect(alert.find('.details').text()).toBe('web-api could not be reached');
    await alert.find('button').trigger('click');
    await flushPromises();
    expect(document.activeElement?.textContent?.trim()).toBe('Reload'); // focus did not fall away
    expect(load).toHaveBeenCalledTimes(2);
    expect(wrapper.find('[role="alert"]').exists()).toBe(false);
    expect(wrapper.findAll('tbody tr')).toHaveLength(1);
    wrapper.unmount();
  });

  it('reports an error that is not an ApiError instead of failing silently', async () => {
    const wrapper = await mounted(() => Promise.reject(new Error('boom')));
    const alert = wrapper.find('[role="alert"]');
    expect(alert.find('.title').text()).toBe('The articles could not be loaded.');
    expect(alert.find('.details').text()).toBe('boom');
  });
});
