import { readFileSync } from 'node:fs';
import express from 'express';

// The least an Express 5 app can do: one route answering the ceiling's body, none of the services'
// plumbing. Between it and the node:http ceiling lies what Express itself costs per request.
const body = readFileSync(process.env.BODY_FILE ?? '');
const app = express().disable('x-powered-by').disable('etag');
app.get('/', (_req, res) => {
  res.type('json').send(body);
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
process.once('SIGTERM', () => server.close());
