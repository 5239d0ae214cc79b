// The rota page in a real headless Chromium (Debian's, driven by playwright-core).
// Monday 23 November 2026, 15:30: the supervisor opens the rota, sees the red gap in
// Cat4 cover on Wednesday night, tries a back-to-front override (refused, the field
// marked), then puts Aisha on as primary for the night with the form and the gap
// closes. A drag across a lane fills the form's role and times. Screenshots at 1280
// and 390 px go to test/artifacts/.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOW, PASSWORD, startConsoleLine, type ConsoleLine } from '../support/console-line.ts';
import { envWithoutFaketime } from '../support/env.ts';
import { openWednesdayNightGap } from '../support/rota-gap.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const GAP_LABEL = 'No primary 25/11 18:00–26/11 08:00';

let t: ConsoleLine;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startConsoleLine();
  await openWednesdayNightGap(t.line.db);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    // --lang: date and time fields show UK dates, as in a UK browser.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--lang=en-GB'],
    env: { ...envWithoutFaketime(), LANG: 'en_GB.UTF-8', LANGUAGE: 'en_GB' },
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

async function signIn(email: string, viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/London' });
  const page = await context.newPage();
  await page.clock.setFixedTime(NOW);
  await page.goto(`${t.url}/console/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/now$/);
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}rota-${name}.png`, fullPage: true });
const gapLabels = (page: Page) => page.locator('.tl-gap-label').allTextContents();

describe('the rota timeline', () => {
  it('shows the Wednesday night gap in red, at 1280 px and at 390 px', async () => {
    const page = await signIn(t.users.supervisor.email);
    await page.goto(`${t.url}/console/rota`);
    expect(await gapLabels(page)).toEqual([GAP_LABEL]);
    expect(await page.locator('.tl-lane[data-level="primary"] .tl-gap rect').count()).toBe(1);
    expect(await page.locator('.tl-day-label').allTextContents()).toHaveLength(14);
    expect(await page.locator('.tl-day-label').first().textContent()).toBe('Mon 23/11');
    await shot(page, 'gap-1280');
    await page.setViewportSize(PHONE);
    await page.reload();
    // The page itself does not scroll sideways; the timeline does, inside its frame.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    const frame = page.locator('.rota-timeline');
    expect(await frame.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await frame.focus();
    await page.keyboard.press('ArrowRight');
    await shot(page, 'gap-390');
    await page.context().close();
  });

  it('dragging across the secondary lane fills the form with that role and those times', async () => {
    const page = await signIn(t.users.supervisor.email);
    await page.goto(`${t.url}/console/rota`);
    const box = (await page.locator('.tl-lane[data-level="secondary"] .tl-lane-bg').boundingBox())!;
    const at = (days: number) => box.x + (days / 14) * box.width;
    const y = box.y + box.height / 2;
    await page.mouse.move(at(3 + 9 / 24), y); // Thu 26/11 09:00
    await page.mouse.down();
    await page.mouse.move(at(3 + 13 / 24), y, { steps: 5 });
    await page.mouse.move(at(3 + 17 / 24), y, { steps: 5 }); // 17:00
    await page.mouse.up();
    expect(await page.locator('#o-level').inputValue()).toBe('secondary');
    expect(await page.locator('#o-from').inputValue()).toBe('2026-11-26T09:00');
    expect(await page.locator('#o-to').inputValue()).toBe('2026-11-26T17:00');
    expect(await page.locator('#o-from-uk').textContent()).toBe('Thu, 26/11/2026, 09:00');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('o-engineerId');
    await page.context().close();
  });

  it('a back-to-front override is refused with the End field marked; the form by keyboard closes the gap', async () => {
    const page = await signIn(t.users.supervisor.email, PHONE);
    await page.goto(`${t.url}/console/rota`);
    await page.getByLabel('Engineer', { exact: true }).selectOption({ label: 'Aisha Khan' });
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Primary' });
    await page.getByLabel('Start (UK time)').fill('2026-11-25T18:00');
    await page.getByLabel('End (UK time)').fill('2026-11-25T08:00');
    await page.getByRole('button', { name: 'Add override' }).click();
    await page.waitForLoadState();
    expect(await page.locator('.flash-error').first().textContent()).toContain('End must be after the start');
    expect(await page.getByLabel('End (UK time)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#o-to-uk').textContent()).toBe('Wed, 25/11/2026, 08:00');
    expect(await page.getByLabel('Engineer', { exact: true }).inputValue()).toBe(t.demo.engineers.find((e) => e.name === 'Aisha Khan')!.id);
    await shot(page, 'refused-390');

    await page.getByLabel('End (UK time)').fill('2026-11-26T08:00');
    await page.getByLabel('Note', { exact: true }).focus();
    await page.keyboard.type('Priya at a family wedding');
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=override-added/);
    expect(await gapLabels(page)).toEqual([]);
    expect(await page.locator('.tl-ok-label').textContent()).toBe('A primary is on call throughout');
    expect(await page.locator('.tl-lane[data-level="primary"] .tl-seg.override').count()).toBe(1);
    expect(await page.locator('ul.overrides li').first().textContent()).toContain('Aisha Khan');
    await shot(page, 'closed-390');
    await page.setViewportSize(DESKTOP);
    await page.reload();
    await shot(page, 'closed-1280');
    await page.context().close();
  });
});
