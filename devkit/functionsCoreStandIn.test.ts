import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  DuplicateFunctionError,
  withFunctionsCoreStandIn,
  type FunctionMetadata,
} from './functionsCoreStandIn.js';

const requireHere = createRequire(__filename);

interface CoreApi {
  registerFunction(metadata: FunctionMetadata, handler: () => Promise<unknown>): { dispose(): void };
}

describe('withFunctionsCoreStandIn', () => {
  it('answers require("@azure/functions-core") and reports each registration', () => {
    const seen: string[] = [];
    const handler = (): Promise<unknown> => Promise.resolve('done');
    const result = withFunctionsCoreStandIn(
      () => {
        const core = requireHere('@azure/functions-core') as CoreApi;
        core.registerFunction({ name: 'f', bindings: {} }, handler).dispose();
        return 'worked';
      },
      (metadata, registered) => seen.push(`${metadata.name}:${registered === handler}`),
    );
    expect(result).toBe('worked');
    expect(seen).toEqual(['f:true']);
  });

  it('refuses a second registration of the same name, as the worker does, and reports only the first', () => {
    const seen: string[] = [];
    const handler = (): Promise<unknown> => Promise.resolve();
    let refused: unknown;
    withFunctionsCoreStandIn(
      () => {
        const core = requireHere('@azure/functions-core') as CoreApi;
        core.registerFunction({ name: 'f', bindings: {} }, handler);
        try {
          core.registerFunction({ name: 'f', bindings: {} }, handler);
        } catch (error) {
          refused = error;
        }
        core.registerFunction({ name: 'g', bindings: {} }, handler);
      },
      (metadata) => seen.push(metadata.name),
    );
    expect(refused).toBeInstanceOf(DuplicateFunctionError);
    expect(refused).toMatchObject({ code: 'duplicate-function', functionName: 'f' });
    expect(seen).toEqual(['f', 'g']);
  });

  it('puts the real resolution back afterwards, also when the work throws', () => {
    expect(() =>
      withFunctionsCoreStandIn(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(() => {
      requireHere('@azure/functions-core');
    }).toThrow(/Cannot find module/);
  });
});
