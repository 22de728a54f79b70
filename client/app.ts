/**
 * The browser app's entry: continue this browser's session or sign in (client/session/), then show the home of
 * the signed-in role and go where the link pointed (client/deep-link.ts).
 */
import { api } from './api.js';
import { bookFollowUp } from './appointments/book-follow-up.js';
import { doctorAvailability } from './appointments/doctor-availability.js';
import { adminBilling } from './billing/admin-billing.js';
import { insurerBilling } from './billing/insurer-billing.js';
import { patientBilling } from './billing/patient-billing.js';
import { patientAppointments } from './appointments/patient-appointments.js';
import { disputeDesk } from './disputes/dispute-desk.js';
import { patientDisputes } from './disputes/patient-disputes.js';
import { partnerConsents } from './exchange/partner-consents.js';
import { doctorAlerts } from './monitoring/doctor-alerts.js';
import { escalatedAlerts } from './monitoring/escalated-alerts.js';
import { patientReadings } from './monitoring/patient-readings.js';
import { notificationList } from './notifications/notification-list.js';
import { patientDirectory } from './patients/patient-directory.js';
import { issuedPrescriptions } from './prescriptions/issued-prescriptions.js';
import { pharmacyDesk } from './prescriptions/pharmacy-desk.js';
import { patientPrescriptions } from './prescriptions/patient-prescriptions.js';
import { reviewQueue } from './prescriptions/review-queue.js';
import { askToSignInWhenSessionEnds } from './session/session-lost-dialog.js';
import { resumeSession, signOut } from './session/session.js';
import { signInForm } from './session/sign-in-form.js';
import { doctorVisits } from './visits/doctor-visits.js';
import { t, wordOf } from './i18n/index.js';
import { applyLanguage, languageChoice } from './i18n/language-choice.js';
import { doctorSummary } from './home/doctor-summary.js';
import { patientSummary } from './home/patient-summary.js';
import { sectionNavigation } from './layout/section-navigation.js';
import { labelTableCellsAsTheyAppear } from './layout/table-cards.js';
import { visitWorkspace } from './visits/visit-workspace.js';

interface Me { displayName: string; role: string }

const signIn = document.querySelector<HTMLElement>('#sign-in')!;
const home = document.querySelector<HTMLElement>('#home')!;
const roleHome = document.querySelector<HTMLElement>('#role-home')!;

/** What each role works with; other roles see the welcome line only. */
const HOMES: Record<string, () => HTMLElement[]> = {
  patient: () => [
    patientSummary(), notificationList('patient'), patientPrescriptions(), patientAppointments(), bookFollowUp(), patientReadings(), partnerConsents(),
    patientDisputes(), patientBilling(),
  ],
  insurer: () => [insurerBilling()],
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
  return [doctorSummary(patients), notificationList('doctor'), doctorVisits({ patients, openVisit: workspace.open }), doctorAlerts(patients),
    workspace.section, issued.section, doctorAvailability()];
}

/** The admin's desk: disputes to review and resolve, and the critical alerts escalated to the hospital. */
function adminHome(): HTMLElement[] {
  const patients = patientDirectory();
  return [...disputeDesk(patients), escalatedAlerts(patients), adminBilling()];
}

async function showHome(): Promise<void> {
  let me: Me;
  try {
    me = await api<Me>('/api/me');
  } catch {
    showSignIn();
    return;
  }
  document.querySelector('#welcome')!.textContent = t.app.welcome(me.displayName, wordOf(t.roles, me.role));
  signIn.hidden = true;
  home.hidden = false;
  roleHome.replaceChildren(...(HOMES[me.role]?.() ?? []));
  const summary = roleHome.querySelector('#home-summary');
  document.querySelector('#role-nav')?.remove();
  roleHome.before(sectionNavigation(roleHome, summary ? summary.id : null));
}

function showSignIn(): void {
  roleHome.replaceChildren();
  document.querySelector('#role-nav')?.remove();
  home.hidden = true;
  signIn.replaceChildren(signInForm({
    title: t.signIn.title,
    why: location.hash ? t.signIn.forLink : undefined,
    onSignedIn: showHome,
  }));
  signIn.hidden = false;
}

applyLanguage();
labelTableCellsAsTheyAppear();
document.querySelector('#app-name')!.textContent = t.app.name;
document.querySelector('#app-tagline')!.textContent = t.app.tagline;
document.querySelector('#language')!.replaceChildren(languageChoice());
const signOutButton = document.querySelector<HTMLButtonElement>('#sign-out')!;
signOutButton.textContent = t.app.signOut;
signOutButton.addEventListener('click', () => {
  void signOut();
  showSignIn();
});

askToSignInWhenSessionEnds();
void resumeSession().then((resumed) => (resumed ? showHome() : showSignIn()), showSignIn);
