import type { Article, WebApiArticle } from '@cns/articles-contract';

/**
 * The full Cloud Native Starter has an authors service behind web-api; this secured sample keeps
 * its two entries here so that every column of the web-app has data.
 */
const AUTHOR_LINKS: Readonly<Record<string, { twitter: string; blog: string }>> = {
  'Harald Uebele': { twitter: 'harald_u', blog: 'https://haralduebele.github.io' },
  'Niklas Heidloff': { twitter: 'nheidloff', blog: 'http://heidloff.net' },
};

/** web-api's shape of an article: every field of the article plus the author's links. */
export function withAuthorLinks(article: Article): WebApiArticle {
  const links = Object.hasOwn(AUTHOR_LINKS, article.authorName)
    ? AUTHOR_LINKS[article.authorName]
    : undefined;
  const { id, title, url, authorName } = article;
  return {
    id,
    title,
    url,
    authorName,
    authorTwitter: links?.twitter ?? '',
    authorBlog: links?.blog ?? '',
  };
}
