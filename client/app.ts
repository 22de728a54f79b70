/** The browser app's entry: sign in with the OAuth token endpoint, then show who is signed in. */
interface Me { displayName: string; role: string }

const form = document.querySelector<HTMLFormElement>('#sign-in')!;
const home = document.querySelector<HTMLElement>('#home')!;
const errorLine = document.querySelector<HTMLElement>('#sign-in-error')!;

async function showHome(token: string): Promise<void> {
  const response = await fetch('/api/me', { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) {
    sessionStorage.removeItem('access_token');
    return;
  }
  const me = (await response.json()) as Me;
  document.querySelector('#welcome')!.textContent = `Welcome, ${me.displayName} (${me.role})`;
  form.hidden = true;
  home.hidden = false;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  errorLine.textContent = '';
  const body = new URLSearchParams({ grant_type: 'password', ...Object.fromEntries(new FormData(form) as unknown as Iterable<[string, string]>) });
  const response = await fetch('/auth/token', { method: 'POST', body });
  const answer = await response.json();
  if (!response.ok) {
    errorLine.textContent = answer.title ?? 'Sign-in failed.';
    return;
  }
  sessionStorage.setItem('access_token', answer.access_token);
  await showHome(answer.access_token);
});

document.querySelector('#sign-out')!.addEventListener('click', () => {
  sessionStorage.removeItem('access_token');
  home.hidden = true;
  form.hidden = false;
});

const saved = sessionStorage.getItem('access_token');
if (saved) void showHome(saved);
