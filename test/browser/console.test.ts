// The console in a real headless Chromium (Debian's, driven by playwright-core)
// against a real line: Postgres, Redis, the HTTP server, calls through the flow.
// Each test signs in on a fresh browser context, so none depends on another.
// Screenshots of every page, at 1280 px and at a phone's 390 px, go to test/artifacts/.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOW, PASSWORD, RECORDING_NAME, ring, startConsoleLine, type ConsoleLine } from '../support/console-line.ts';
import { until } from '../support/instances.ts';
import { envWithoutFaketime } from '../support/env.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let t: ConsoleLine;
let browser: Browser;
let ari: Server;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ari = createServer((req, res) => {
    if (req.url === `/ari/recordings/stored/${RECORDING_NAME}/file`) res.writeHead(200, { 'content-type': 'audio/wav' }).end(Buffer.alloc(44));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => ari.listen(0, '127.0.0.1', resolve));
  t = await startConsoleLine({ env: { ARI_URL: `http://127.0.0.1:${(ari.address() as AddressInfo).port}`, ARI_USERNAME: 'u', ARI_PASSWORD: 'p' } });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    env: envWithoutFaketime(),
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await new Promise((resolve) => ari?.close(resolve));
});

/** A fresh browser, its clock at the console's NOW, signed in through the form. */
async function signIn(email: string, viewport = DESKTOP): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/London' });
  const page = await context.newPage();
  await page.clock.setFixedTime(NOW);
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${t.url}/console/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/now$/);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}console-${name}.png`, fullPage: true });
}

describe('a supervisor at a desk', () => {
  it('signs in with the form and lands on Now', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await page.clock.setFixedTime(NOW);
    await page.goto(`${t.url}/console/calls`);
    await expect.poll(() => page.url()).toMatch(/\/console\/sign-in\?next=%2Fconsole%2Fcalls$/);
    await shot(page, 'sign-in-1280');
    await page.getByLabel('Email').fill(t.users.supervisor.email);
    await page.getByLabel('Password').fill('not my password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/do not match/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/calls$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Calls');
    await context.close();
  });

  it('sees Saturday’s failed escalation at the top of Now, with its one action, and the count in the title', async () => {
    const [acme] = await t.line.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [t.calls.acmeFailed]);
    const page = await signIn(t.users.supervisor.email);
    const failed = page.getByRole('region', { name: /Escalation failed/ });
    expect(await failed.getByRole('link', { name: acme!.reference }).count()).toBe(1);
    expect(await failed.getByRole('button', { name: 'Called back' }).count()).toBe(1);
    expect(await page.getByRole('region', { name: /Calls waiting for the desk/ }).textContent()).toContain('Nobody is waiting for the desk.');
    expect(await page.title()).toMatch(/1 escalation failed/);
    await shot(page, 'now-escalation-failed-1280');
    await page.context().close();
  });

  it('filters the call log', async () => {
    const page = await signIn(t.users.supervisor.email);
    await page.goto(`${t.url}/console/calls`);
    expect(await page.locator('table.calls tbody tr').count()).toBeGreaterThanOrEqual(5);
    await page.getByLabel('Tier').selectOption('Cat4');
    await page.getByLabel('Route').selectOption('oncall');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/tier=Cat4/);
    const rows = page.locator('table.calls tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.allTextContents()).toEqual([expect.stringMatching(/Acme Dental.*escalation failed/s), expect.stringMatching(/Acme Dental.*Tom Hughes/s)]);
    expect(await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toBe('/console/calls.csv?tier=Cat4&route=oncall');
    await shot(page, 'calls-filtered-1280');
    await page.getByLabel('SLA').selectOption('warning');
    await page.getByLabel('Tier').selectOption('');
    await page.getByLabel('Route').selectOption('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/sla=warning/);
    expect(await page.locator('table.calls tbody tr').allTextContents()).toContainEqual(expect.stringMatching(/Castle Veterinary Practice/));
    await page.context().close();
  });

  it("opens a call's timeline: prompts, keys, routing, every engineer leg, the ticket", async () => {
    const page = await signIn(t.users.supervisor.email);
    await page.goto(`${t.url}/console/calls?outcome=engineer`);
    await page.locator('table.calls tbody tr').first().getByRole('link').first().click();
    await page.waitForURL(new RegExp(`/console/calls/${t.calls.acmeAccepted}$`));
    const legs = page.getByRole('region', { name: 'Engineers rung' });
    expect(await legs.locator('tbody tr').allTextContents()).toEqual([
      expect.stringMatching(/Priya Shah.*Primary.*did not answer/s),
      expect.stringMatching(/Tom Hughes.*Secondary.*accepted \(pressed 1\)/s),
    ]);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await expect.poll(() => timeline.textContent()).toMatch(/Caller pressed •••• for the PIN/);
    expect(await timeline.textContent()).toMatch(/Routed to the on-call engineer: /);
    expect(await timeline.textContent()).toMatch(/Caller put through to Tom Hughes/);
    expect(await page.getByRole('region', { name: 'Ticket' }).getByRole('link').textContent()).toMatch(/^\d+$/);
    await shot(page, 'call-detail-1280');
    await page.context().close();
  });

  it('sees the voicemail control on a call with a message', async () => {
    const page = await signIn(t.users.supervisor.email);
    await page.goto(`${t.url}/console/calls/${t.calls.asteriskVoicemail}`);
    const audio = page.getByRole('region', { name: 'Voicemail' }).locator('audio[controls]');
    expect(await audio.getAttribute('src')).toBe(`/console/calls/${t.calls.asteriskVoicemail}/recording`);
    expect(await audio.isVisible()).toBe(true);
    await shot(page, 'call-voicemail-1280');
    // A simulated call's message: the control, and a note saying why there is no audio.
    await page.goto(`${t.url}/console/calls/${t.calls.castleMessage}`);
    const region = page.getByRole('region', { name: 'Voicemail' });
    expect(await region.locator('audio[controls]').count()).toBe(1);
    expect(await region.textContent()).toMatch(/simulated call: there is no audio/i);
    await page.context().close();
  });

  it('acknowledges a ticket and watches its SLA state change', async () => {
    // A ticket of its own: a Cat1 message left early on Saturday, due by 17:00 Monday.
    const castle = t.demo.accounts.find((a) => a.number === '10003')!;
    const callId = await ring(t.line, new Date('2026-11-21T05:00:00Z'), { from: castle.phones[0]!, keys: [`${castle.pin}#`, '1', '1'] });
    const [ticket] = await t.line.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [callId]);
    const page = await signIn(t.users.supervisor.email);
    await page.goto(`${t.url}/console/tickets/${ticket!.reference}`);
    const response = page.locator('table.timers tr[data-target="response"]');
    expect(await response.locator('.timer-state').textContent()).toBe('Warning');
    expect(await response.locator('.countdown').textContent()).toBe('due in 1h 30m');
    await shot(page, 'ticket-before-1280');
    await page.getByLabel('Note with the action (optional)').fill('Rang the practice back; looking into it.');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.waitForURL(/done=acknowledge/);
    expect(await page.getByRole('status').textContent()).toBe('Done: Acknowledge.');
    expect(await response.locator('.timer-state').textContent()).toBe('Met');
    expect(await page.locator('#ticket-status').textContent()).toBe('Acknowledged');
    expect(await page.getByRole('region', { name: 'Notes and history' }).textContent()).toMatch(/Sam Supervisor.*Acknowledge.*Rang the practice back/s);
    expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    await shot(page, 'ticket-after-1280');
    await page.context().close();
  });
});

describe('an admin', () => {
  it('adds a closure to the office calendar', async () => {
    const page = await signIn(t.users.admin.email);
    await page.goto(`${t.url}/console/closures`);
    await page.getByLabel('Reason').fill('Staff training');
    await page.getByLabel('From (UK time)').fill('2026-12-02T13:00');
    await page.getByLabel('Until (UK time)').fill('2026-12-02T17:00');
    await page.getByRole('button', { name: 'Add closure' }).click();
    await page.waitForURL(/done=closure-added/);
    expect(await page.getByRole('status').textContent()).toMatch(/Closure added/);
    const row = page.getByRole('row', { name: /Staff training/ });
    expect(await row.textContent()).toMatch(/Wed, 2 Dec 2026, 13:00.*Wed, 2 Dec 2026, 17:00/s);
    await shot(page, 'closures-1280');
    const [{ n }] = (await t.line.db.query<{ n: string }>("select count(*) as n from audit_log where action = 'closure.added'")) as [{ n: string }];
    expect(Number(n)).toBeGreaterThan(0);
    await page.context().close();
  });

  it('sees the rota as a timeline, the escalation order, and a gap in Cat4 cover', async () => {
    const [, tom] = t.demo.engineers;
    // Take Tom off primary for a night next week: a gap the page must warn about.
    await t.line.db.query(
      `update rota_shifts set ends_at = '2026-11-26T22:00:00Z' where engineer_id = $1 and level = 'primary' and starts_at = '2026-11-23T09:00:00Z'`,
      [tom!.id],
    );
    await t.line.db.query(
      `insert into rota_shifts (engineer_id, level, starts_at, ends_at) values ($1, 'primary', '2026-11-27T06:00:00Z', '2026-11-30T09:00:00Z')`,
      [tom!.id],
    );
    const page = await signIn(t.users.admin.email);
    await page.goto(`${t.url}/console/rota`);
    expect(await page.getByRole('alert').textContent()).toMatch(/Gaps in Cat4 cover.*Thu, 26\/11\/2026, 22:00 to Fri, 27\/11\/2026, 06:00/s);
    expect(await page.getByRole('region', { name: 'Escalation order now' }).textContent()).toMatch(/Primary\s*Tom Hughes.*Secondary\s*Aisha Khan.*Escalation manager\s*Gareth Jones/s);
    await shot(page, 'rota-1280');
    await page.context().close();
  });
});

describe('Now, live', () => {
  it('shows a call the moment it starts, as it goes on, and when it ends', async () => {
    const page = await signIn(t.users.supervisor.email);
    await page.waitForSelector('body[data-stream="open"]');
    const acme = t.demo.accounts.find((a) => a.number === '10001')!;
    const step = await t.line.calls.start({ carrier: 'cli', carrierCallId: randomUUID(), from: acme.phones[0]!, to: '+441632960000', at: NOW });
    const item = page.locator(`li.live-call[data-call-id="${step.callId}"]`);
    await item.waitFor();
    expect(await item.textContent()).toMatch(/\+441632960001/);
    expect(await page.locator('#live-count').textContent()).toBe('1');
    await t.line.calls.feed(step.callId, { type: 'input', digits: acme.pin }, new Date(NOW.getTime() + 5000));
    await until(async () => /Acme Dental/.test((await item.textContent()) ?? ''), 'the live call to show the account');
    await shot(page, 'now-live-1280');
    await t.line.calls.feed(step.callId, { type: 'hangup', cause: 'Normal Clearing' }, new Date(NOW.getTime() + 9000));
    await until(async () => (await item.getAttribute('class'))?.includes('ended') ?? false, 'the call to show as ended');
    await page.context().close();
  });
});

describe('Now, after signing out', () => {
  it('a Now page left open in another tab stops its live feed and says why', async () => {
    const now = await signIn(t.users.supervisor.email);
    await now.waitForSelector('body[data-stream="open"]');
    const other = await now.context().newPage();
    await other.goto(`${t.url}/console/calls`);
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.waitForURL(/\/console\/sign-in$/);
    await now.waitForSelector('body[data-stream="ended"]');
    expect(await now.locator('#live-status').textContent()).toMatch(/Your session has ended/);
    await now.context().close();
  });
});

describe('Now, alerts', () => {
  it('shows an SLA alert the moment the notifier raises it', async () => {
    const page = await signIn(t.users.supervisor.email);
    await page.waitForSelector('body[data-stream="open"]');
    expect(await page.locator('#feed-empty').isVisible()).toBe(true);
    const entry = { id: '1', at: NOW.toISOString(), kind: 'breach', ticketId: null, reference: t.warningTicket, text: `Ticket ${t.warningTicket} breached its response target <b>`, detail: {}, notificationId: null };
    await t.line.live.publish('feed', JSON.stringify({ type: 'feed', entry }));
    const item = page.locator('#feed li.feed-breach');
    await item.waitFor();
    expect(await item.textContent()).toContain(`${t.warningTicket} Ticket ${t.warningTicket} breached its response target <b>`);
    expect(await item.locator('b').count()).toBe(0);
    expect(await page.locator('#feed-empty').isVisible()).toBe(false);
    await page.context().close();
  });
});

describe('accessibility basics', () => {
  const PAGES = ['now', 'calls', 'tickets', `tickets/REF`, 'rota', 'closures', 'reports', 'reports/trends?to=2026-11', 'reports/credits?month=2026-11', 'search?q=01632+960001', 'users', 'account', `calls/CALL`];
  const path = (p: string) => p.replace('REF', t.warningTicket).replace('CALL', t.calls.acmeAccepted);

  it('every control on every page has a label, and the skip link leads to the content', async () => {
    const page = await signIn(t.users.admin.email);
    for (const p of PAGES) {
      await page.goto(`${t.url}/console/${path(p)}`);
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
          .filter((el) => {
            const c = el as HTMLInputElement;
            const named = (c.labels?.length ?? 0) > 0 || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
            return !named && !(el.tagName === 'BUTTON' && el.textContent?.trim());
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      expect(unlabelled, p).toEqual([]);
    }
    await page.goto(`${t.url}/console/calls`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toMatch(/INPUT|SELECT|A|BUTTON/);
    await page.context().close();
  });

  it('text on every page has readable contrast (WCAG AA, 4.5:1)', async () => {
    const page = await signIn(t.users.admin.email);
    for (const p of PAGES) {
      await page.goto(`${t.url}/console/${path(p)}`);
      const failures = await page.evaluate(() => {
        const rgb = (s: string) => (s.match(/[\d.]+/g) ?? []).map(Number);
        const lum = ([r, g, b]: number[]) => {
          const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
          return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
        };
        const background = (el: Element | null): number[] => {
          for (let e = el; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length >= 3 && (c[3] === undefined || c[3] > 0.5)) return c;
          }
          return [255, 255, 255];
        };
        const out: string[] = [];
        for (const el of document.querySelectorAll('body *')) {
          if (el.closest('svg') || !(el as HTMLElement).offsetParent) continue;
          const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent?.trim()).join('');
          if (!text) continue;
          const fg = lum(rgb(getComputedStyle(el).color));
          const bg = lum(background(el));
          const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
          if (ratio < 4.5) out.push(`${ratio.toFixed(2)} ${el.tagName}.${el.className}: ${text.slice(0, 30)}`);
        }
        return out;
      });
      expect(failures, p).toEqual([]);
    }
    await page.context().close();
  });

  it.each([
    ['1280', DESKTOP],
    ['390', PHONE],
  ])('every page fits a %s px screen without sideways scrolling', async (name, viewport) => {
    const page = await signIn(t.users.admin.email, viewport);
    for (const p of PAGES) {
      await page.goto(`${t.url}/console/${path(p)}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, p).toBeLessThanOrEqual(0);
      await shot(page, `${p.replace(/\?.*/, '').replace(/\/(REF|CALL)$/, '-detail').replace('/', '-')}-${name}`);
    }
    await page.context().close();
  });
});
