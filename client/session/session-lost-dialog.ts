/**
 * When the session ends under an open page (revoked, signed out elsewhere, past its 14 days), a dialog over the
 * page asks to sign in again; the page stays as it was underneath, so a note or a message being written is not
 * lost, and the request that found the session over is sent once the person is back. Someone else signing in
 * gets a fresh page: nothing of the previous account is shown to them.
 */
import { el } from '../dom.js';
import { t } from '../i18n/index.js';
import { signedInAccount, whenSessionLost } from './session.js';
import { signInForm } from './sign-in-form.js';

function askToSignInAgain(): Promise<void> {
  const before = signedInAccount();
  return new Promise((resolve) => {
    const dialog = el('dialog', { id: 'session-lost', class: 'session-lost' });
    dialog.append(signInForm({
      title: t.signIn.again,
      why: t.signIn.againWhy,
      onSignedIn: () => {
        if (before && signedInAccount() !== before) {
          location.reload();
          return;
        }
        dialog.close();
        dialog.remove();
        resolve();
      },
    }));
    // Escape would leave the page with no session and no way back but a reload.
    dialog.addEventListener('cancel', (event) => event.preventDefault());
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Installs the dialog for this page's requests (client/api.ts asks for it). */
export const askToSignInWhenSessionEnds = () => whenSessionLost(askToSignInAgain);
