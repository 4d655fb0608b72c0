import type { WebApiArticle } from '@cns/articles-contract';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error.ts';
import { useArticles } from './use-articles.ts';

const article = (id: string): WebApiArticle => ({
  id,
  title: `Article ${id}`,
  url: `https://example.org/${id}`,
  authorName: 'Niklas Heidloff',
  authorTwitter: '',
  authorBlog: '',
});

describe('useArticles', () => {
  it('keeps the answer of the newest call when an older one arrives later', async () => {
    const answers: ((articles: WebApiArticle[]) => void)[] = [];
    const { state, reload } = useArticles(
      () => new Promise<WebApiArticle[]>((resolve) => answers.push(resolve)),
    );
    const first = reload();
    const second = reload();
    answers[1]?.([article('new')]);
    await second;
    answers[0]?.([article('old')]);
    await first;
    expect(state.value).toEqual({ status: 'loaded', articles: [article('new')] });
  });

  it('turns any failure into an ApiError', async () => {
    const { state, reload } = useArticles(() => Promise.reject(new TypeError('bad')));
    await reload();
    expect(state.value.status).toBe('failed');
    const problem = state.value.status === 'failed' ? state.value.problem : undefined;
    expect(problem).toBeInstanceOf(ApiError);
    expect(problem).toMatchObject({ kind: 'unexpected', message: 'bad' });
  });
});
