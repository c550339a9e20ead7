/**
 * A TCP port nothing listens on right now, for a child process that must be told its port up front (the
 * functions host, a second emulator). The OS picks it; the port is free when this resolves, though another
 * process could take it before the caller binds — fine for local runs, where nothing else races for ports.
 */
import { createServer } from 'node:net';

/** Asks the OS for a free port on `host` by listening on port 0, then closes and returns it. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
