// Users (admins only): who may sign in, as what; add a user, change a role or
// engineer link, disable, reset a password. One-time passwords are shown once.
import type { EngineerRecord } from '../../../store/engineers.ts';
import type { SessionUser } from '../../../store/sessions.ts';
import { ROLES, type UserRecord } from '../../../store/users.ts';
import { roleWord } from '../format.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page } from '../layout.ts';

function engineerSelect(id: string, engineers: readonly EngineerRecord[], selected: string | null): Html {
  return html`<select id="${id}" name="engineerId">
    <option value="">—</option>
    ${engineers.map((e) => html`<option value="${e.id}"${e.id === selected ? html` selected` : ''}>${e.name}</option>`)}
  </select>`;
}

export function usersPage(
  auth: SessionUser,
  opts: { users: UserRecord[]; engineers: EngineerRecord[]; flash?: { kind: 'ok' | 'error'; text: string } | null; issued?: { email: string; password: string } | null },
): Html {
  return page({
    title: 'Users',
    active: 'users',
    auth,
    flash: opts.flash ?? null,
    body: html`<h1>Users</h1>
${
  opts.issued
    ? html`<section class="card issued" aria-labelledby="issued-heading">
  <h2 id="issued-heading">One-time password for ${opts.issued.email}</h2>
  <p><code class="secret" id="issued-password">${opts.issued.password}</code></p>
  <p class="muted">Give it to them privately. It works once: they choose their own at first sign-in. It is not shown again.</p>
</section>`
    : ''
}
<section class="card" aria-labelledby="people-heading">
<h2 id="people-heading">People who can sign in</h2>
<div class="table-wrap"><table class="responsive users">
  <caption class="visually-hidden">Console users</caption>
  <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Engineer</th><th scope="col">Disabled</th><th scope="col"><span class="visually-hidden">Save</span></th><th scope="col"><span class="visually-hidden">Password</span></th></tr></thead>
  <tbody>${opts.users.map((u) => {
    const f = `u${u.id}`;
    return html`<tr>
    <td data-label="User"><strong>${u.name}</strong><br><span class="muted">${u.email}</span>${u.mustChangePassword ? html`<br><span class="badge badge-paused">one-time password</span>` : ''}</td>
    <td data-label="Role"><label class="visually-hidden" for="${f}-role">Role of ${u.email}</label>
      <select id="${f}-role" name="role" form="${f}">${ROLES.map((r) => html`<option value="${r}"${r === u.role ? html` selected` : ''}>${roleWord(r)}</option>`)}</select></td>
    <td data-label="Engineer"><label class="visually-hidden" for="${f}-eng">Engineer ${u.email} answers as</label>
      <select id="${f}-eng" name="engineerId" form="${f}"><option value="">—</option>${opts.engineers.map(
        (e) => html`<option value="${e.id}"${e.id === u.engineerId ? html` selected` : ''}>${e.name}</option>`,
      )}</select></td>
    <td data-label="Disabled"><input type="checkbox" id="${f}-disabled" name="disabled" form="${f}"${u.disabled ? html` checked` : ''}>
      <label for="${f}-disabled" class="visually-hidden">Disable ${u.email}</label></td>
    <td><form method="post" action="/console/users/${u.id}" id="${f}" class="inline">${csrfField(auth)}<button type="submit">Save</button></form></td>
    <td><form method="post" action="/console/users/${u.id}/reset-password" class="inline">${csrfField(auth)}
      <button type="submit" aria-label="Reset the password of ${u.email}">Reset password</button></form></td>
  </tr>`;
  })}</tbody>
</table></div>
</section>
<section class="card" aria-labelledby="add-user-heading">
  <h2 id="add-user-heading">Add a user</h2>
  <form method="post" action="/console/users" class="filters">
    ${csrfField(auth)}
    <div class="field wide"><label for="n-email">Email</label><input id="n-email" name="email" type="email" required maxlength="254"></div>
    <div class="field"><label for="n-name">Name</label><input id="n-name" name="name" maxlength="100"></div>
    <div class="field"><label for="n-role">Role</label><select id="n-role" name="role">${ROLES.map((r) => html`<option value="${r}"${r === 'supervisor' ? html` selected` : ''}>${roleWord(r)}</option>`)}</select></div>
    <div class="field"><label for="n-eng">Engineer (for an engineer)</label>${engineerSelect('n-eng', opts.engineers, null)}</div>
    <div class="field actions"><button type="submit" class="primary">Add user</button></div>
  </form>
  <p class="muted small">The new user gets a one-time password, shown here once.</p>
</section>`,
  });
}
