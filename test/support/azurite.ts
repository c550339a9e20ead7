import { afterAll, beforeAll } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../../devkit/azurite.js';

/**
 * Starts one in-memory Azurite for the calling test file and stops it afterwards. Returns a holder whose
 * `current` is set once `beforeAll` has run.
 */
export function useAzurite(): { current: AzuriteInstance } {
  const holder = {} as { current: AzuriteInstance };
  beforeAll(async () => {
    holder.current = await startAzurite();
  });
  afterAll(async () => {
    await holder.current?.stop();
  });
  return holder;
}
