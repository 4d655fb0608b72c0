export { AMOUNT_MAX, AMOUNT_MIN, parseAmount, type AmountResult } from './amount.ts';
export { parseArticles, type Article, type WebApiArticle } from './article.ts';
