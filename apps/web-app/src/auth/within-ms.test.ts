import { afterEach, describe, expect, it, vi } from 'vitest';
import { withinMs } from './within-ms.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('withinMs', () => {
  it('passes on what settles in time, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    await expect(withinMs(Promise.resolve('token'), 1_000)).resolves.toBe('token');
    await expect(withinMs(Promise.reject(new Error('refused')), 1_000)).rejects.toThrow('refused');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with a TimeoutError when the promise does not settle in time', async () => {
    vi.useFakeTimers();
    const never = new Promise<string>(() => undefined);
    const result = withinMs(never, 1_000);
    const assertion = expect(result).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(1_000);
    await assertion;
  });
});
