/**
 * A TCP port nothing listens on right now, for a child process that must be told its port up front (the
 * functions host, a second emulator).
 *
 * Picked **below the OS's ephemeral range** (Linux: /proc/sys/net/ipv4/ip_local_port_range), not by listening
 * on port 0: a port from the ephemeral range can be taken between the pick and the child's bind by any
 * outgoing connection's local end — with test suites running in parallel, the CI run saw a dev host fail with
 * EADDRINUSE that way. Below the range only another listener can take it, and the pick is random so two
 * callers rarely try the same one. Falls back to an OS-picked port if none is found.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port tried: above the well-known and most registered service ports. */
const LOWEST = 20_000;
const ATTEMPTS = 64;

/** Resolves with a free port on `host`, outside the ephemeral range when one can be found there. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const below = ephemeralRangeStart();
  for (let attempt = 0; attempt < ATTEMPTS && below > LOWEST; attempt += 1) {
    const port = LOWEST + Math.floor(Math.random() * (below - LOWEST));
    if (await canListen(port, host)) return port;
  }
  return osPickedPort(host);
}

/** Where the OS starts handing out ephemeral ports (Linux's setting; IANA's 49152 elsewhere). */
export function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const start = Number(low);
    if (Number.isInteger(start) && start > 1024) return start;
  } catch {
    // Not Linux: the IANA range.
  }
  return 49_152;
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function osPickedPort(host: string): Promise<number> {
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
