/** The sign-in form of every page (the home page, a visit link opened before sign-in, a session that ended). */
import { messageOf } from '../api.js';
import { el, whileBusy } from '../dom.js';
import { t } from '../i18n/index.js';
import { signIn } from './session.js';

export interface SignInFormOptions {
  /** The heading, and the sentence under it that says why a sign-in is asked for here. */
  title: string;
  why?: string;
  /** Runs once signed in. */
  onSignedIn(): void | Promise<void>;
}

export function signInForm({ title, why, onSignedIn }: SignInFormOptions): HTMLFormElement {
  const titleId = `sign-in-title-${Math.random().toString(36).slice(2, 8)}`;
  const email = el('input', { name: 'username', type: 'email', autocomplete: 'username', required: true });
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = el('button', { type: 'submit' }, t.signIn.submit);
  const problem = el('p', { role: 'alert', class: 'problem' });
  const form = el('form', { class: 'sign-in', 'aria-labelledby': titleId },
    el('h2', { id: titleId }, title), why ? el('p', {}, why) : null,
    el('label', {}, `${t.signIn.email} `, email), el('label', {}, `${t.signIn.password} `, password), submit, problem);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void whileBusy([submit], async () => {
      problem.textContent = '';
      try {
        await signIn(email.value, password.value);
      } catch (error) {
        problem.textContent = messageOf(error);
        return;
      }
      password.value = '';
      await onSignedIn();
    });
  });
  return form;
}
