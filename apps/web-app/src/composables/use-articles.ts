import type { WebApiArticle } from '@cns/articles-contract';
import { shallowRef, type ShallowRef } from 'vue';
import { toApiError, type ApiError } from '../api/api-error.ts';

export type ArticlesState =
  | { status: 'loading' }
  | { status: 'loaded'; articles: readonly WebApiArticle[] }
  | { status: 'failed'; problem: ApiError };

/** Loads the articles and tracks the outcome; a reload supersedes a call still under way. */
export function useArticles(load: () => Promise<WebApiArticle[]>): {
  state: Readonly<ShallowRef<ArticlesState>>;
  reload: () => Promise<void>;
} {
  const state = shallowRef<ArticlesState>({ status: 'loading' });
  let latest = 0;
  async function reload() {
    const call = ++latest;
    state.value = { status: 'loading' };
    let next: ArticlesState;
    try {
      next = { status: 'loaded', articles: await load() };
    } catch (error) {
      next = { status: 'failed', problem: toApiError(error) };
    }
    if (call === latest) state.value = next;
  }
  return { state, reload };
}
