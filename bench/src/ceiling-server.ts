import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

// The fastest honest answer Node can give: a fixed JSON body, no routing, no auth.
const body = readFileSync(process.env.BODY_FILE ?? '');
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
process.once('SIGTERM', () => server.close());
