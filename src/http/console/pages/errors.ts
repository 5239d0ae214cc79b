// A console error as a page a person can act on (the API answers JSON instead).
import type { SessionUser } from '../../../store/sessions.ts';
import { html, type Html } from '../html.ts';
import { page } from '../layout.ts';

const TITLES: Record<number, string> = {
  400: 'That request was not understood',
  403: 'Not for you',
  404: 'Not found',
  409: 'That cannot be done now',
  413: 'Too much',
  422: 'That was not accepted',
  429: 'Too many attempts',
  500: 'Something went wrong',
};

export function errorPage(auth: SessionUser | null, status: number, message: string): Html {
  return page({
    title: TITLES[status] ?? 'Error',
    auth,
    body: html`<section class="narrow card">
  <h1>${TITLES[status] ?? 'Error'}</h1>
  <p>${message}</p>
  <p><a href="/console/now">Back to Now</a></p>
</section>`,
  });
}
