/**
 * `npm run screenshot`: docs/screenshot.png, the live event page in headless
 * Chromium after a burst of demo events (some replayed, some live), with an
 * error toast and one event's details open.
 */
import { emitDemoEvent } from '../../src/demo.ts';
import { startGateway } from '../helpers/server.ts';
import { launchBrowser } from './browser.ts';

const node = await startGateway();
const browser = await launchBrowser();
try {
  const emit = node.gateway.emit;
  for (let i = 0; i < 40; i++) emitDemoEvent(emit, `q${Math.floor(i / 3)}`);
  await new Promise((r) => setTimeout(r, 200));
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1360, height: 820 });
  await page.goto(`${node.url}/`);
  await page.locator('#status[data-state="live"]').waitFor();
  for (let i = 0; i < 25; i++) {
    emitDemoEvent(emit, `live${Math.floor(i / 3)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await emit.performance({ metric_name: 'p95_latency_ms', current_value: 14200, threshold_value: 12000, component: 'router', action_required: false });
  await emit.error({
    error_type: 'ModelLoadError',
    error_message: 'out of GPU memory loading qwen2-7b-q5',
    component: 'model-manager',
    stack_trace: null,
    recovery_action: 'retry with Q2 tier',
  });
  await page.locator('.toast').first().waitFor();
  await page.locator('#feed .row[data-type="cgrag"]').first().click();
  await page.locator('#details').waitFor();
  await page.screenshot({ path: 'docs/screenshot.png' });
  console.log('wrote docs/screenshot.png');
} finally {
  await browser.close();
  await node.stop();
}
