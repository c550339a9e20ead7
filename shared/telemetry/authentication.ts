/**
 * Entra (AAD) authentication for the exporter. Application Insights in infra/ has local auth disabled, so
 * telemetry is accepted only with a token; App Service's convention names the identity in
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING (`ClientId=<id>;Authorization=AAD`). The distro reads that
 * setting only for live metrics, so setup.ts builds the exporter's credential from it.
 */

/** The setting naming the identity telemetry is sent with. */
export const AUTHENTICATION_STRING_SETTING = 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING';

/** What the authentication string asks for: Entra auth, with a user-assigned identity's client id or not. */
export type TelemetryAuthentication =
  | { readonly kind: 'key' }
  | { readonly kind: 'aad'; readonly clientId?: string }
  | { readonly kind: 'invalid'; readonly problem: string };

/** Reads `value` (absent or blank: the connection string's key is used). */
export function telemetryAuthentication(value: string | undefined): TelemetryAuthentication {
  if (value === undefined || value.trim() === '') return { kind: 'key' };
  const pairs = new Map<string, string>();
  for (const part of value.split(';')) {
    if (part.trim() === '') continue;
    const [name, ...rest] = part.split('=');
    if (name === undefined || rest.length !== 1 || (rest[0] ?? '') === '')
      return {
        kind: 'invalid',
        problem: `${AUTHENTICATION_STRING_SETTING} is not a list of name=value pairs`,
      };
    pairs.set(name.trim().toLowerCase(), (rest[0] ?? '').trim());
  }
  if (pairs.get('authorization')?.toLowerCase() !== 'aad')
    return { kind: 'invalid', problem: `${AUTHENTICATION_STRING_SETTING} must say Authorization=AAD` };
  const clientId = pairs.get('clientid');
  return clientId ? { kind: 'aad', clientId } : { kind: 'aad' };
}
