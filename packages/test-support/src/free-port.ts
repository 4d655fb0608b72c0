import { createServer, type AddressInfo } from 'node:net';

/**
 * A loopback port nothing listens on: free a moment ago, for a program the test starts and that
 * takes its port from a setting rather than binding port 0 itself.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
