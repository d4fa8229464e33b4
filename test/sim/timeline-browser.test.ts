import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/run.js';
import { renderTimelineHtml } from '../../sim/timeline-html.js';
import { TimelineRecorder } from '../../sim/timeline.js';
import { SnapshotIsolation } from './planted.js';

// The timeline page as a person sees it: Debian's chromium, driven by
// playwright-core, opens the page of a failing run (a planted
// snapshot-isolation build) and the test checks what it shows and that the
// filters work. .ci/run installs chromium; without it locally the test skips.
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
// CI installs chromium, so there a missing browser is a failure, not a skip.
const inCi = process.env.CI === 'true';
if (!haveChromium && !inCi) console.warn(`timeline browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`);

const outDir = join(import.meta.dirname, '..', '..', 'test-output');

describe.skipIf(!haveChromium && !inCi)('the timeline page in a browser', () => {
  it('shows lanes per node, the violation, operations, and filters by node and partition', async () => {
    expect(haveChromium, `${CHROMIUM} is missing: .ci/run should have installed it`).toBe(true);
    const timeline = new TimelineRecorder();
    const run = simulate({ seed: 1, workload: 'list-append', partitions: 2, makeStateMachine: () => new SnapshotIsolation() }, { world: timeline, clients: timeline });
    expect(run.result.verdict).toBe('correctness');
    mkdirSync(outDir, { recursive: true });
    const page = join(outDir, 'timeline-si.html');
    writeFileSync(page, renderTimelineHtml(timeline.data(run, 'seed 1, planted snapshot isolation')));

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      tab.on('pageerror', (e) => errors.push(e.message));
      // Offline: the page must need nothing from the network.
      await tab.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
      await tab.goto(`file://${page}`);
      expect(errors).toEqual([]);
      expect(await tab.locator('#verdict').textContent()).toBe('correctness');
      expect(await tab.locator('g.lane').count()).toBe(3);
      expect(await tab.locator('#violation').count()).toBe(1);
      expect(await tab.locator('rect.op').count()).toBeGreaterThan(10);
      expect(await tab.locator('rect.op.violating').count()).toBeGreaterThanOrEqual(2);
      expect(await tab.locator('g.role-row[data-group="1"]').count()).toBe(3);
      expect(await tab.locator('line.msg').count()).toBeGreaterThan(0);
      // Faults marked in the lanes of the nodes they hit.
      expect(await tab.locator('g.lane path.node-fault').count()).toBeGreaterThan(0);
      await tab.screenshot({ path: join(outDir, 'timeline-si-whole.png') });

      // Zoom to the violation: fewer operations drawn, the marker still there.
      const allOps = await tab.locator('rect.op').count();
      await tab.click('#zoom-violation');
      expect(await tab.locator('rect.op').count()).toBeLessThan(allOps);
      expect(await tab.locator('#violation').count()).toBe(1);
      await tab.screenshot({ path: join(outDir, 'timeline-si.png'), fullPage: true });

      // Filters: hide node 2 and partition 1.
      await tab.click('input.node-toggle[data-node="2"]');
      expect(await tab.locator('g.lane').count()).toBe(2);
      expect(await tab.locator('g.lane[data-node="2"]').count()).toBe(0);
      await tab.click('input.partition-toggle[data-group="1"]');
      expect(await tab.locator('g.role-row[data-group="1"]').count()).toBe(0);
      expect(await tab.locator('g.role-row[data-group="0"]').count()).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
