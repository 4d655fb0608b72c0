/** An article as the articles service returns it from `GET /articles`. */
export interface Article {
  id: string;
  title: string;
  url: string;
  authorName: string;
}

/** An article as web-api returns it: the articles service's fields plus the author's links. */
export interface WebApiArticle extends Article {
  /** Twitter handle without `@`, or `''` when unknown. */
  authorTwitter: string;
  /** URL of the author's blog, or `''` when unknown. */
  authorBlog: string;
}

const ARTICLE_FIELDS = ['id', 'title', 'url', 'authorName'] as const;

/**
 * Checks a JSON value received from the articles service, so a changed or broken upstream is
 * reported instead of passed on with fields missing.
 *
 * @example
 * ```ts
 * const articles = parseArticles(await response.json()) // throws TypeError when malformed
 * ```
 */
export function parseArticles(value: unknown): Article[] {
  if (!Array.isArray(value)) throw new TypeError('expected a JSON array of articles');
  return value.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null) {
      throw new TypeError(`article ${index} is not an object`);
    }
    const record = item as Record<string, unknown>;
    for (const field of ARTICLE_FIELDS) {
      if (typeof record[field] !== 'string') {
        throw new TypeError(`article ${index} has no string field "${field}"`);
      }
    }
    const { id, title, url, authorName } = record as unknown as Article;
    return { id, title, url, authorName };
  });
}
