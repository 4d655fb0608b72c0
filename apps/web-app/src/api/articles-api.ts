import type { WebApiArticle } from '@cns/articles-contract';
import type { AxiosInstance } from 'axios';
import { ApiError } from './api-error.ts';

/** The calls the web-app makes to web-api. */
export interface ArticlesApi {
  list(): Promise<WebApiArticle[]>;
}

export function createArticlesApi(http: AxiosInstance): ArticlesApi {
  return {
    async list() {
      const { data } = await http.get<unknown>('/articles');
      if (!Array.isArray(data)) {
        throw new ApiError('unexpected', 'web-api answered something other than a list');
      }
      return data as WebApiArticle[];
    },
  };
}
