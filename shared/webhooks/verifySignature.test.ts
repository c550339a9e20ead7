import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  verifyWebhookSignature,
  type SignatureInput,
} from './verifySignature.js';

// Signed by the independent reference implementation, checked by ours.
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const NOW_MS = Date.UTC(2026, 10, 25, 12, 0, 0);
const BODY = JSON.stringify({
  id: 'evt_1',
  type: 'asset.processing.completed',
  timestamp: '2026-11-25T12:00:00Z',
  data: { submission_id: 'sub_1', asset_id: 'asset_1', status: 'complete' },
});

function signed(options: { secret?: string; atMs?: number; body?: string; id?: string } = {}): {
  headers: Record<string, string>;
  body: Uint8Array;
} {
  const id = options.id ?? 'msg_1';
  const atMs = options.atMs ?? NOW_MS;
  const body = options.body ?? BODY;
  const signature = new Webhook(options.secret ?? SECRET).sign(id, new Date(atMs), body);
  return {
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(atMs / 1000)),
      'webhook-signature': signature,
    },
    body: Buffer.from(body, 'utf8'),
  };
}

function verify(
  delivery: { headers: Record<string, string>; body: Uint8Array },
  overrides: Partial<SignatureInput> = {},
): ReturnType<typeof verifyWebhookSignature> {
  return verifyWebhookSignature({
    headers: new Headers(delivery.headers),
    rawBody: delivery.body,
    secrets: [SECRET],
    nowMs: NOW_MS,
    ...overrides,
  });
}

describe('verifyWebhookSignature (against the standardwebhooks reference signer)', () => {
  it('accepts a delivery signed by the reference library, returning its id and timestamp', () => {
    expect(verify(signed())).toEqual({ ok: true, id: 'msg_1', timestamp: Math.floor(NOW_MS / 1000) });
  });

  it('agrees with the reference verifier on the same delivery', () => {
    const delivery = signed({ atMs: Date.now() });
    expect(() => new Webhook(SECRET).verify(BODY, delivery.headers)).not.toThrow();
    expect(verify(delivery, { nowMs: Date.now() }).ok).toBe(true);
  });

  it('refuses a delivery signed with another secret (forged)', () => {
    expect(verify(signed({ secret: OTHER_SECRET }))).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a body with one byte changed (tampered)', () => {
    const delivery = signed();
    const tampered = Uint8Array.from(delivery.body);
    tampered[tampered.length - 3] = (tampered[tampered.length - 3] ?? 0) ^ 0x01;
    expect(verify({ ...delivery, body: tampered })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a changed webhook-id or timestamp header (both are signed)', () => {
    const delivery = signed();
    const otherId = { ...delivery.headers, 'webhook-id': 'msg_2' };
    const otherTime = { ...delivery.headers, 'webhook-timestamp': String(Math.floor(NOW_MS / 1000) - 1) };
    expect(verify({ ...delivery, headers: otherId })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify({ ...delivery, headers: otherTime })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a timestamp more than 5 minutes old (stale) and accepts one exactly at the limit', () => {
    const limitMs = SIGNATURE_TOLERANCE_SECONDS * 1000;
    expect(verify(signed({ atMs: NOW_MS - limitMs - 1000 }))).toEqual({ ok: false, reason: 'stale' });
    expect(verify(signed({ atMs: NOW_MS - limitMs })).ok).toBe(true);
  });

  it('refuses a timestamp more than 5 minutes ahead (future) and accepts one exactly at the limit', () => {
    const limitMs = SIGNATURE_TOLERANCE_SECONDS * 1000;
    expect(verify(signed({ atMs: NOW_MS + limitMs + 1000 }))).toEqual({ ok: false, reason: 'stale' });
    expect(verify(signed({ atMs: NOW_MS + limitMs })).ok).toBe(true);
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses a delivery without %s',
    (name) => {
      const delivery = signed();
      const headers = Object.fromEntries(Object.entries(delivery.headers).filter(([key]) => key !== name));
      expect(verify({ ...delivery, headers })).toEqual({ ok: false, reason: 'missing-headers' });
    },
  );

  it('refuses an empty header as missing', () => {
    const delivery = signed();
    expect(verify({ ...delivery, headers: { ...delivery.headers, 'webhook-id': '' } })).toEqual({
      ok: false,
      reason: 'missing-headers',
    });
  });

  it.each(['abc', '1764072000abc', '1764072000.5', '-1764072000', '1.764072e9'])(
    'refuses the timestamp %j as malformed',
    (value) => {
      const delivery = signed();
      const result = verify({ ...delivery, headers: { ...delivery.headers, 'webhook-timestamp': value } });
      expect(result).toEqual({ ok: false, reason: 'bad-timestamp' });
    },
  );

  it.each([
    ['no comma', 'v1'],
    ['empty signature', 'v1,'],
    ['no version', ',abc'],
    ['garbage', 'not a signature list'],
    ['the signature without its version', 'SIGNATURE'],
  ])('refuses a malformed signature list (%s)', (_label, template) => {
    const delivery = signed();
    const bare = delivery.headers['webhook-signature']?.split(',')[1] ?? '';
    const headers = { ...delivery.headers, 'webhook-signature': template.replace('SIGNATURE', bare) };
    expect(verify({ ...delivery, headers })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a signature re-spelled with characters a lenient base64 decoder would skip', () => {
    const delivery = signed();
    const headers = { ...delivery.headers, 'webhook-signature': `${delivery.headers['webhook-signature']}!` };
    expect(verify({ ...delivery, headers })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('accepts a delivery signed with the second secret of a rotation list', () => {
    expect(verify(signed({ secret: OTHER_SECRET }), { secrets: [SECRET, OTHER_SECRET] }).ok).toBe(true);
  });

  it('accepts when any v1 signature of several matches (the sender rotating)', () => {
    const delivery = signed();
    const forged = new Webhook(OTHER_SECRET).sign('msg_1', new Date(NOW_MS), BODY);
    const headers = {
      ...delivery.headers,
      'webhook-signature': `${forged} ${delivery.headers['webhook-signature']}`,
    };
    expect(verify({ ...delivery, headers }).ok).toBe(true);
  });

  it('ignores signatures of other versions, even when their value would match', () => {
    const delivery = signed();
    const v2Only = (delivery.headers['webhook-signature'] ?? '').replace(/^v1,/, 'v2,');
    expect(verify({ ...delivery, headers: { ...delivery.headers, 'webhook-signature': v2Only } })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    const mixed = `v1a,xyz ${v2Only} ${delivery.headers['webhook-signature']}`;
    expect(verify({ ...delivery, headers: { ...delivery.headers, 'webhook-signature': mixed } }).ok).toBe(
      true,
    );
  });

  it('refuses everything when no secret is configured', () => {
    expect(verify(signed(), { secrets: [] })).toEqual({ ok: false, reason: 'no-secrets' });
    expect(verify(signed(), { secrets: ['', 'whsec_'] })).toEqual({ ok: false, reason: 'no-secrets' });
  });

  it('signs the raw bytes, not a re-encoding of them (non-UTF-8 bytes still verify)', () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const secret = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const timestamp = String(Math.floor(NOW_MS / 1000));
    const mac = createHmac('sha256', secret).update(`msg_1.${timestamp}.`).update(body).digest('base64');
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${mac}`,
    };
    expect(verify({ headers, body }).ok).toBe(true);
  });
});
