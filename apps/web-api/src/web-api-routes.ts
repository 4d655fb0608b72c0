import { parseAmount, type Article } from '@cns/articles-contract';
import type { BearerAuth } from '@cns/auth';
import { HttpError, methodNotAllowed, requestIdOf, strictRouter } from '@cns/service-kit';
import type { Router } from 'express';
import type { ArticlesClient } from './articles-client.ts';
import { withAuthorLinks } from './author-links.ts';
import { memoizeLast } from './memoize-last.ts';
import type { Relay } from './relay.ts';
import { traceHeaders } from './trace-headers.ts';

export function webApiRoutes(auth: BearerAuth, articles: ArticlesClient, relay: Relay): Router {
  // The client hands out the same frozen list for the same answer: serialize it once.
  const render = memoizeLast((list: readonly Article[]) =>
    Buffer.from(JSON.stringify(list.map(withAuthorLinks))),
  );
  const router = strictRouter();
  router
    .route('/articles')
    .get(auth.authenticate, auth.requireRole('user'), async (req, res) => {
      const amount = parseAmount(req.query.amount);
      if (!amount.ok) throw new HttpError(400, 'invalid_parameter', amount.message);
      const list = await articles.list({
        authorization: await relay(req),
        amount: amount.amount,
        traceHeaders: traceHeaders(req, requestIdOf(res)),
      });
      res.set('Cache-Control', 'no-cache').type('json').send(render(list));
    })
    .all(methodNotAllowed('GET'));
  return router;
}
