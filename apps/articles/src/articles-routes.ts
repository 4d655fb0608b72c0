import { parseAmount } from '@cns/articles-contract';
import type { BearerAuth } from '@cns/auth';
import { HttpError, methodNotAllowed, strictRouter } from '@cns/service-kit';
import type { Router } from 'express';
import { articlesJson } from './sample-articles.ts';

export function articlesRoutes(auth: BearerAuth): Router {
  const router = strictRouter();
  router
    .route('/articles')
    .get(auth.authenticate, auth.requireRole('user'), (req, res) => {
      const amount = parseAmount(req.query.amount);
      if (!amount.ok) throw new HttpError(400, 'invalid_parameter', amount.message);
      res.set('Cache-Control', 'no-cache').type('json').send(articlesJson(amount.amount));
    })
    .all(methodNotAllowed('GET'));
  return router;
}
