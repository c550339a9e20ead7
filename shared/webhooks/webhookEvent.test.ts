import { describe, expect, it } from 'vitest';
import { parseWebhookEvent } from './webhookEvent.js';

const bytes = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), 'utf8');

const completed = {
  id: 'evt_1',
  type: 'asset.processing.completed',
  timestamp: '2026-11-25T12:00:00Z',
  data: { submission_id: 'sub_1', asset_id: 'asset_1', workspace_id: 'ws_1', status: 'complete' },
};

describe('parseWebhookEvent', () => {
  it('parses a completed event and keeps fields it does not know', () => {
    const result = parseWebhookEvent(
      bytes({ ...completed, extra: 1, data: { ...completed.data, more: true } }),
    );
    expect(result).toMatchObject({
      ok: true,
      event: { id: 'evt_1', extra: 1, data: { submission_id: 'sub_1', asset_id: 'asset_1', more: true } },
    });
  });

  it('parses a failed event with its error message and a numeric timestamp', () => {
    const failed = {
      ...completed,
      type: 'asset.processing.failed',
      timestamp: 1_764_072_000,
      data: { ...completed.data, status: 'failed', error_message: 'Unsupported codec' },
    };
    expect(parseWebhookEvent(bytes(failed))).toMatchObject({
      ok: true,
      event: { timestamp: 1_764_072_000, data: { error_message: 'Unsupported codec' } },
    });
  });

  it('reads null optional fields as absent', () => {
    const result = parseWebhookEvent(
      bytes({ ...completed, data: { ...completed.data, error_message: null } }),
    );
    expect(result.ok && result.event.data.error_message).toBeUndefined();
  });

  it('names the missing field', () => {
    const { submission_id: _s, ...data } = completed.data;
    const result = parseWebhookEvent(bytes({ ...completed, data }));
    expect(result).toMatchObject({ ok: false, kind: 'invalid-event' });
    expect(!result.ok && result.message).toContain('data.submission_id');
  });

  it('refuses an event type it does not know', () => {
    const result = parseWebhookEvent(bytes({ ...completed, type: 'asset.deleted' }));
    expect(result).toMatchObject({ ok: false, kind: 'invalid-event' });
    expect(!result.ok && result.message).toContain('type');
  });

  it('refuses ids that are blank or too long for a blob name', () => {
    expect(parseWebhookEvent(bytes({ ...completed, id: '  ' })).ok).toBe(false);
    const long = { ...completed, data: { ...completed.data, submission_id: 'x'.repeat(257) } };
    expect(parseWebhookEvent(bytes(long)).ok).toBe(false);
  });

  it('refuses text that is not JSON, and bytes that are not UTF-8', () => {
    expect(parseWebhookEvent(Buffer.from('{"id": '))).toMatchObject({ ok: false, kind: 'not-json' });
    expect(parseWebhookEvent(Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({ ok: false, kind: 'not-json' });
  });
});
