/**
 * A minimal `multipart/form-data` reader for the direct-upload endpoint. The platform's `FormData`
 * parser substitutes `text/plain` for a part without a Content-Type, which would hide exactly the case
 * the API answers with 415 ("content type missing"), so the parts are read by hand.
 */

/** One part of a multipart body. */
export interface MultipartPart {
  readonly name: string;
  /** The `filename` of Content-Disposition, if the part is a file. */
  readonly filename?: string;
  /** The part's Content-Type header, if it had one. */
  readonly contentType?: string;
  readonly data: Buffer;
}

/** The boundary of a `multipart/form-data` Content-Type, or undefined for any other type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/** Splits a multipart body into parts; throws on a body that is not well-formed multipart. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let start = body.indexOf(delimiter);
  if (start < 0) throw new Error('multipart boundary not found');
  for (;;) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString('latin1') === '--') return parts;
    const headerStart = afterDelimiter + 2; // skip CRLF
    const headerEnd = body.indexOf('\r\n\r\n', headerStart);
    if (headerEnd < 0) throw new Error('multipart part headers not terminated');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new Error('multipart closing boundary not found');
    parts.push(
      toPart(body.subarray(headerStart, headerEnd).toString('utf8'), body.subarray(headerEnd + 4, next)),
    );
    start = next + 2;
  }
}

function toPart(headerText: string, data: Buffer): MultipartPart {
  const headers = new Map<string, string>();
  for (const line of headerText.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition') ?? '';
  const param = (key: string): string | undefined => {
    const m = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"|;\\s*${key}=([^;]+)`, 'i').exec(disposition);
    const value = m?.[1] ?? m?.[2]?.trim();
    return value?.replace(/\\(.)/g, '$1');
  };
  const filename = param('filename');
  const contentType = headers.get('content-type');
  return {
    name: param('name') ?? '',
    ...(filename !== undefined ? { filename } : {}),
    ...(contentType ? { contentType } : {}),
    data,
  };
}
