/** The browser app's entry: sign in with the OAuth token endpoint, then show the home of the signed-in role. */
import { api, TOKEN_KEY } from './api.js';
import { bookFollowUp } from './appointments/book-follow-up.js';
import { patientAppointments } from './appointments/patient-appointments.js';
import { disputeDesk } from './disputes/dispute-desk.js';
import { patientDisputes } from './disputes/patient-disputes.js';
import { partnerConsents } from './exchange/partner-consents.js';
import { doctorAlerts } from './monitoring/doctor-alerts.js';
import { escalatedAlerts } from './monitoring/escalated-alerts.js';
import { patientReadings } from './monitoring/patient-readings.js';
import { patientDirectory } from './patients/patient-directory.js';
import { issuedPrescriptions } from './prescriptions/issued-prescriptions.js';
import { pharmacyDesk } from './prescriptions/pharmacy-desk.js';
import { patientPrescriptions } from './prescriptions/patient-prescriptions.js';
import { reviewQueue } from './prescriptions/review-queue.js';
import { doctorVisits } from './visits/doctor-visits.js';
import { visitWorkspace } from './visits/visit-workspace.js';

interface Me { displayName: string; role: string }

const form = document.querySelector<HTMLFormElement>('#sign-in')!;
const home = document.querySelector<HTMLElement>('#home')!;
const roleHome = document.querySelector<HTMLElement>('#role-home')!;
const errorLine = document.querySelector<HTMLElement>('#sign-in-error')!;

/** What each role works with; other roles see the welcome line only. */
const HOMES: Record<string, () => HTMLElement[]> = {
  patient: () => [patientPrescriptions(), patientAppointments(), bookFollowUp(), patientReadings(), partnerConsents(), patientDisputes()],
  pharmacist: () => [pharmacyDesk(), reviewQueue()],
  doctor: doctorHome,
  admin: adminHome,
};

/** The doctor's day: visits, alerts, the workspace of the visit at hand, and what they prescribed. */
function doctorHome(): HTMLElement[] {
  // One directory per home: each patient is read once, and nothing read for this account outlives its sign-out.
  const patients = patientDirectory();
  const issued = issuedPrescriptions(patients);
  const workspace = visitWorkspace({ patients, onPrescribed: () => void issued.refresh() });
  return [doctorVisits({ patients, openVisit: workspace.open }), doctorAlerts(patients), workspace.section, issued.section];
}

/** The admin's desk: disputes to review and resolve, and the critical alerts escalated to the hospital. */
function adminHome(): HTMLElement[] {
  const patients = patientDirectory();
  return [...disputeDesk(patients), escalatedAlerts(patients)];
}

async function showHome(): Promise<void> {
  let me: Me;
  try {
    me = await api<Me>('/api/me');
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
    return;
  }
  document.querySelector('#welcome')!.textContent = `Welcome, ${me.displayName} (${me.role})`;
  roleHome.replaceChildren(...(HOMES[me.role]?.() ?? []));
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
  sessionStorage.setItem(TOKEN_KEY, answer.access_token);
  await showHome();
});

document.querySelector('#sign-out')!.addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  roleHome.replaceChildren();
  home.hidden = true;
  form.hidden = false;
});

if (sessionStorage.getItem(TOKEN_KEY)) void showHome();
