/**
 * Helpers for driving an emulator over real HTTP from tests and benchmarks: a tiny JSON client, the
 * presigned upload flow, and minimal valid file bodies for every allowlisted type (so content sniffing
 * passes). No test-framework imports, so benchmarks can use it too.
 */

/** A parsed response. `body` is the JSON value, or undefined for an empty/non-JSON body. */
export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

/** Options of one request. */
export interface RequestOptions {
  /** Serialised as JSON with `content-type: application/json`. */
  readonly json?: unknown;
  /** A raw body (wins over `json`). */
  readonly body?: RequestInit['body'];
  readonly headers?: Readonly<Record<string, string>>;
  /** Override the client's key for one call; `null` sends no key. */
  readonly key?: string | null;
}

/** A minimal client for `/api/integrations/...`. */
export class EmulatorClient {
  constructor(
    readonly baseUrl: string,
    readonly key: string,
  ) {}

  /** Sends one request and parses the JSON answer (if any). */
  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? this.key : options.key;
    if (key !== null) headers['x-api-key'] = key;
    let body = options.body;
    if (body === undefined && options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(this.baseUrl + path, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  /** `GET` shorthand. */
  get<T = unknown>(path: string, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, options);
  }

  /** `POST` with a JSON body. */
  post<T = unknown>(path: string, json?: unknown, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, { ...options, ...(json !== undefined ? { json } : {}) });
  }

  /**
   * The documented presigned flow: `POST /uploads/url`, then `PUT` the bytes to the SAS URL with
   * `x-ms-blob-type: BlockBlob`. Returns the `blobPath`.
   */
  async upload(
    filename: string,
    contentType: string,
    data: Uint8Array = sampleFor(filename),
  ): Promise<string> {
    const presign = await this.post<{ uploadUrl: string; blobPath: string }>(
      '/api/integrations/uploads/url',
      {
        filename,
        contentType,
      },
    );
    if (presign.status !== 200) throw new Error(`uploads/url answered ${presign.status}: ${presign.text}`);
    const put = await fetch(presign.body.uploadUrl, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': contentType },
      body: data,
    });
    if (put.status !== 201)
      throw new Error(`PUT to the upload URL answered ${put.status}: ${await put.text()}`);
    return presign.body.blobPath;
  }

  /** Creates a submission of the given blob paths. */
  submit<T = unknown>(blobPaths: readonly string[], query = ''): Promise<ApiResponse<T>> {
    return this.post<T>(`/api/integrations/submissions${query}`, {
      assets: blobPaths.map((blobPath) => ({ blobPath })),
    });
  }
}

const bytes = (...parts: (string | readonly number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const le32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >> 24) & 0xff];
const pad = (n: number): number[] => new Array<number>(n).fill(0);

/** Minimal bodies that pass the emulator's content sniffing, by extension. */
export const SAMPLES: Readonly<Record<string, Buffer>> = {
  '.mp4': bytes([0, 0, 0, 0x18], 'ftypmp42', [0, 0, 0, 0], 'mp42isom', pad(32)),
  '.mov': bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 0, 0], 'qt  ', pad(32)),
  '.avi': bytes('RIFF', le32(36), 'AVI LIST', pad(28)),
  '.mkv': bytes([0x1a, 0x45, 0xdf, 0xa3], pad(32)),
  '.mp3': bytes('ID3', [3, 0, 0, 0, 0, 0, 0], pad(32)),
  '.wav': bytes('RIFF', le32(36), 'WAVEfmt ', pad(28)),
  '.aac': bytes([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc], pad(32)),
  '.ogg': bytes('OggS', [0, 2], pad(32)),
  '.jpg': bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', pad(32)),
  '.jpeg': bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', pad(32)),
  '.png': bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], pad(32)),
  '.gif': bytes('GIF89a', [1, 0, 1, 0], pad(32)),
  '.webp': bytes('RIFF', le32(36), 'WEBPVP8 ', pad(28)),
  '.svg': bytes(
    '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>\n',
  ),
  '.pdf': bytes('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n'),
  '.doc': bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], pad(32)),
  '.docx': bytes('PK', [3, 4, 20, 0], pad(32)),
  '.txt': bytes('Hello from the MediaMagic emulator tests.\n'),
};

/** Samples that are text: padding them with NUL bytes would turn them into binary and fail sniffing. */
const TEXT_SAMPLES: ReadonlySet<string> = new Set(['.txt', '.svg']);

/**
 * A valid sample body for `filename`'s extension (`.txt` content for unknown extensions), padded to `size`
 * bytes when it is shorter — with spaces for text, zeros otherwise — for tests and benchmarks that need
 * files of a realistic size (beyond the 4 KiB sniff window) that still pass content sniffing.
 */
export function sampleFor(filename: string, size = 0): Buffer {
  const found = /\.[^.]+$/.exec(filename.toLowerCase())?.[0];
  const ext = found !== undefined && Object.hasOwn(SAMPLES, found) ? found : '.txt';
  const head = SAMPLES[ext] as Buffer;
  if (size <= head.length) return head;
  const padded = Buffer.alloc(size, TEXT_SAMPLES.has(ext) ? 0x20 : 0);
  head.copy(padded);
  return padded;
}

/** Polls `GET /submissions/{id}` until `done(body)` or the timeout. */
export async function pollSubmission<T extends { status: string }>(
  client: EmulatorClient,
  submissionId: string,
  done: (body: T) => boolean = (b) => b.status === 'complete' || b.status === 'failed',
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await client.get<T>(`/api/integrations/submissions/${submissionId}`);
    if (response.status !== 200)
      throw new Error(`GET submission answered ${response.status}: ${response.text}`);
    if (done(response.body)) return response.body;
    if (Date.now() > deadline) throw new Error(`submission ${submissionId} stuck in ${response.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
