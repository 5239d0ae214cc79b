// Signing in, and choosing a new password (required after a one-time one).
import type { SessionUser } from '../../../store/sessions.ts';
import { MIN_PASSWORD_LENGTH } from '../../../store/users.ts';
import { html, type Html } from '../html.ts';
import { page } from '../layout.ts';

export function signInPage(opts: { csrf: string; email?: string; next?: string; error?: string | null }): Html {
  return page({
    title: 'Sign in',
    auth: null,
    body: html`<section class="narrow card">
  <h1>Sign in</h1>
  <p class="muted">The supervisor console of the support line.</p>
  ${opts.error ? html`<p class="flash flash-error" role="alert" id="sign-in-error">${opts.error}</p>` : ''}
  <form method="post" action="/console/sign-in" class="stack">
    <input type="hidden" name="_csrf" value="${opts.csrf}">
    ${opts.next ? html`<input type="hidden" name="next" value="${opts.next}">` : ''}
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${opts.email ?? ''}"
      ${opts.error ? html`aria-describedby="sign-in-error"` : ''}>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200">
    <button type="submit" class="primary">Sign in</button>
  </form>
</section>`,
  });
}

export function passwordPage(auth: SessionUser, opts: { error?: string | null; done?: boolean } = {}): Html {
  const forced = auth.user.mustChangePassword;
  return page({
    title: forced ? 'Choose a password' : 'Your account',
    active: 'account',
    auth,
    flash: opts.done ? { kind: 'ok', text: 'Password changed. Your other sessions have been signed out.' } : null,
    body: html`<section class="narrow card">
  <h1>${forced ? 'Choose your own password' : 'Your account'}</h1>
  <dl class="facts">
    <dt>Email</dt><dd>${auth.user.email}</dd>
    <dt>Name</dt><dd>${auth.user.name}</dd>
  </dl>
  ${forced ? html`<p>The password you signed in with works only once. Choose one of your own to carry on.</p>` : html`<h2>Change password</h2>`}
  ${opts.error ? html`<p class="flash flash-error" role="alert" id="password-error">${opts.error}</p>` : ''}
  <form method="post" action="/console/account/password" class="stack">
    <input type="hidden" name="_csrf" value="${auth.csrfToken}">
    <label for="current">Current password</label>
    <input id="current" name="current" type="password" autocomplete="current-password" required maxlength="200">
    <label for="password">New password</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" maxlength="200" aria-describedby="password-hint">
    <p class="hint" id="password-hint">At least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a good one.</p>
    <label for="confirm">New password again</label>
    <input id="confirm" name="confirm" type="password" autocomplete="new-password" required maxlength="200">
    <button type="submit" class="primary">Save password</button>
  </form>
</section>`,
  });
}
