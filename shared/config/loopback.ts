/**
 * True for a loopback host as `URL.hostname` spells it: `localhost`, 127.0.0.0/8, `[::1]`. Plain http is
 * acceptable only there (Azurite, the local emulator): nothing leaves the machine, so no key or SAS can be
 * read on the wire.
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}
