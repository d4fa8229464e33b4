import { describe, expect, it } from 'vitest';
import { LoopWarmer } from '../../server/warm.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LoopWarmer', () => {
  it('runs its timer from the first touch until holdMs after the last, then lets the loop sleep', async () => {
    const w = new LoopWarmer(30, 1);
    expect(w.awake).toBe(false);
    w.touch();
    expect(w.awake).toBe(true);
    for (let i = 0; i < 5; i++) {
      await sleep(10);
      w.touch();
    }
    expect(w.awake).toBe(true);
    await sleep(200);
    expect(w.awake).toBe(false);
    w.touch();
    expect(w.awake).toBe(true);
    w.stop();
    expect(w.awake).toBe(false);
  });
});
