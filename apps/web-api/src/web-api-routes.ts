import { parseAmount } from '@cns/articles-contract';
import type { BearerAuth } from '@cns/auth';
import { HttpError, methodNotAllowed, requestIdOf, strictRouter } from '@cns/service-kit';
import type { Router } from 'express';
import type { ArticlesClient } from './articles-client.ts';
import { withAuthorLinks } from './author-links.ts';
import { traceHeaders } from './trace-headers.ts';

export function webApiRoutes(auth: BearerAuth, articles: ArticlesClient): Router {
  const router = strictRouter();
  router
    .route('/articles')
    .get(auth.authenticate, auth.requireRole('user'), async (req, res) => {
      const amount = parseAmount(req.query.amount);
      if (!amount.ok) throw new HttpError(400, 'invalid_parameter', amount.message);
      const list = await articles.list({
        authorization: req.headers.authorization ?? '',
        amount: amount.amount,
        traceHeaders: traceHeaders(req, requestIdOf(res)),
      });
      res.set('Cache-Control', 'no-cache').json(list.map(withAuthorLinks));
    })
    .all(methodNotAllowed('GET'));
  return router;
}
