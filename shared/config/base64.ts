/** Standard base64, padding optional (Standard Webhooks secrets are often unpadded). */
export function isBase64(value: string): boolean {
  return /^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.replace(/=+$/, '').length % 4 !== 1;
}
