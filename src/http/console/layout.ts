// The page shell every console page shares: a skip link, the navigation for the
// user's role, the CSRF token for scripts, and one stylesheet and one script from
// this server (plus a page's own optional script, such as the rota's drag to select).
import type { SessionUser } from '../../store/sessions.ts';
import { html, type Html } from './html.ts';
import { roleWord } from './format.ts';

export type NavKey = 'now' | 'calls' | 'tickets' | 'rota' | 'closures' | 'incidents' | 'reports' | 'users' | 'account' | 'search';

interface NavItem {
  key: NavKey;
  label: string;
  href: string;
  adminOnly?: boolean;
  supervisorsOnly?: boolean;
}

const NAV: NavItem[] = [
  { key: 'now', label: 'Now', href: '/console/now' },
  { key: 'calls', label: 'Calls', href: '/console/calls' },
  { key: 'tickets', label: 'Tickets', href: '/console/tickets' },
  { key: 'rota', label: 'Rota', href: '/console/rota' },
  { key: 'closures', label: 'Closures', href: '/console/closures' },
  { key: 'incidents', label: 'Incidents', href: '/console/incidents', supervisorsOnly: true },
  { key: 'reports', label: 'Reports', href: '/console/reports', supervisorsOnly: true },
  { key: 'users', label: 'Users', href: '/console/users', adminOnly: true },
];

export interface PageOptions {
  title: string;
  active?: NavKey;
  auth: SessionUser | null;
  body: Html;
  /** A message after a change ("Closure added"), shown once at the top. */
  flash?: { kind: 'ok' | 'error'; text: string } | null;
  /** Pages that live-update say so, so the script subscribes to the event stream. */
  live?: boolean;
  /** What the search box shows (the search page echoes the query). */
  searched?: string;
  /** A page's own optional script from /console/assets (the rota's drag to select). */
  scripts?: readonly string[];
}

export function page(opts: PageOptions): Html {
  const { auth } = opts;
  const items = NAV.filter(
    (n) => auth && (!n.adminOnly || auth.user.role === 'admin') && (!n.supervisorsOnly || auth.user.role !== 'engineer'),
  );
  return html`<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · Support Line</title>
${auth ? html`<meta name="csrf-token" content="${auth.csrfToken}">` : ''}
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
${(opts.scripts ?? []).map((src) => html`<script src="/console/assets/${src}" defer></script>`)}
</head>
<body${opts.live ? html` data-live="on"` : ''}>
<a class="skip-link" href="#main">Skip to content</a>
<header class="topbar">
  <div class="brand"><a href="/console/now">Support Line</a></div>
  ${
    auth
      ? html`<nav aria-label="Console">
    <ul>${items.map(
      (n) => html`<li><a href="${n.href}"${n.key === opts.active ? html` aria-current="page"` : ''}>${n.label}</a></li>`,
    )}</ul>
  </nav>
  <form class="topbar-search" role="search" method="get" action="/console/search">
    <label for="site-search" class="visually-hidden">Search tickets, accounts, phone numbers, engineers</label>
    <input id="site-search" name="q" type="search" maxlength="100" placeholder="Ticket, account, phone, engineer" value="${opts.searched ?? ''}">
    <button type="submit" class="link-button">Search</button>
  </form>
  <div class="who">
    <a href="/console/account"${opts.active === 'account' ? html` aria-current="page"` : ''}>${auth.user.name}</a>
    <span class="role">${roleWord(auth.user.role)}</span>
    <form method="post" action="/console/sign-out" class="inline">
      <input type="hidden" name="_csrf" value="${auth.csrfToken}">
      <button type="submit" class="link-button">Sign out</button>
    </form>
  </div>`
      : ''
  }
</header>
<main id="main" tabindex="-1">
${opts.flash ? html`<div class="flash flash-${opts.flash.kind}" role="${opts.flash.kind === 'error' ? 'alert' : 'status'}">${opts.flash.text}</div>` : ''}
${opts.body}
</main>
</body>
</html>`;
}

/** A hidden CSRF field for a form. */
export function csrfField(auth: SessionUser): Html {
  return html`<input type="hidden" name="_csrf" value="${auth.csrfToken}">`;
}
