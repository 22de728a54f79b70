/**
 * The visit page (/visit/<appointmentId>): camera preview, waiting room, the call and its controls, and beside
 * them the visit's messages and files (client/visits/visit-messages.ts), which work even without a camera.
 * It continues this browser's session (client/session/), or asks to sign in right here and then joins, so a
 * visit link opened in a new tab or before signing in lands on its visit; a `?token=` in the link signs in once.
 * It follows the visit's state: once the visit is over (the doctor finished it here or in the workspace) the call
 * ends, the camera and microphone are released, and the page shows the note and the prescriptions.
 */
import { t } from '../i18n/index.js';
import { applyLanguage } from '../i18n/language-choice.js';
import { askToSignInWhenSessionEnds } from '../session/session-lost-dialog.js';
import { freshAccessToken, resumeSession, useLinkToken } from '../session/session.js';
import { signInForm } from '../session/sign-in-form.js';
import { appointmentMessages } from '../visits/visit-messages.js';
import { getLocalMedia, PeerSession, type SessionState } from './peer-session.js';
import { visitEnded, type EndedVisit } from './visit-ended.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const stateLine = $<HTMLParagraphElement>('state');
const problemLine = $<HTMLParagraphElement>('problem');
const admit = $<HTMLButtonElement>('admit');
const end = $<HTMLButtonElement>('end');
const words = t.pages.call;

const stateWords = (state: SessionState) => words.state[state] ?? state;

/**
 * What went wrong, in the page's words by its code (`otherwise` when it has none, such as a failed fetch); the
 * server's own words only for a code the catalogue lacks.
 */
function problemWords(error: unknown, otherwise?: string): string {
  const { message, code = otherwise } = (error ?? {}) as { code?: string; message?: string };
  return (code && (words.problem[code] ?? t.problems[code])) || message || t.app.somethingWrong;
}

/** The page's own words (visit.html carries the English ones until this runs), in the page's language. */
function wordThePage(): void {
  applyLanguage(`${words.title} · ${t.app.name}`);
  $('visit-title').textContent = words.title;
  stateLine.textContent = words.starting;
  $('videos').setAttribute('aria-label', words.videos);
  $('remote').setAttribute('aria-label', words.remote);
  $('local').setAttribute('aria-label', words.local);
  $('call-controls').setAttribute('aria-label', words.controls);
  admit.textContent = words.admit;
  $('toggle-audio').textContent = words.mute;
  $('toggle-video').textContent = words.cameraOff;
  $('hang-up').textContent = words.hangUp;
  end.textContent = words.endForBoth;
}

/** Resolves once there is a session: this browser's, the link's token, or a sign-in on this page. */
async function signedIn(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const fromLink = params.get('token');
  if (fromLink) {
    useLinkToken(fromLink);
    history.replaceState(null, '', location.pathname);
    return;
  }
  if (await resumeSession().catch(() => false)) return;
  stateLine.textContent = words.signInToJoin;
  const place = $('visit-sign-in');
  await new Promise<void>((resolve) => {
    place.replaceChildren(signInForm({ title: words.signInTitle, onSignedIn: () => resolve() }));
    place.hidden = false;
  });
  place.hidden = true;
  place.replaceChildren();
  stateLine.textContent = stateWords('idle');
}

async function start() {
  wordThePage();
  askToSignInWhenSessionEnds();
  const appointmentId = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
  await signedIn();

  let stream: MediaStream | undefined;
  const live: { session?: PeerSession } = {};
  let over = false;
  /** The visit is over: leave the call, release camera and microphone, and show what the visit left behind. */
  const visitOver = (visit: Omit<EndedVisit, 'appointmentId'>) => {
    if (over) return;
    over = true;
    live.session?.hangUp();
    releaseMedia(stream);
    $('call-controls').hidden = true;
    $('videos').hidden = true;
    problemLine.textContent = '';
    stateLine.textContent = stateWords('ended');
    stateLine.dataset.state = 'ended';
    const panel = visitEnded({ ...visit, appointmentId });
    $('visit-ended-panel').replaceChildren(panel);
    panel.querySelector<HTMLElement>('h2')?.focus();
  };

  const talk = appointmentMessages(appointmentId, visitOver);
  $('visit-talk').append(talk.element);
  try {
    stream = await getLocalMedia();
  } catch (error) {
    if (over) return;
    problemLine.textContent = problemWords(error);
    stateLine.textContent = stateWords('failed');
    return;
  }
  // The visit may have ended while the browser asked for the camera.
  if (over) return releaseMedia(stream);
  $<HTMLVideoElement>('local').srcObject = stream;
  const accessToken = await freshAccessToken();
  if (!accessToken) return;
  const call = new PeerSession({ appointmentId, accessToken, stream });
  live.session = call;
  (window as unknown as { visit: PeerSession }).visit = call;

  call.on('state', (state) => {
    if (over) return;
    stateLine.textContent = stateWords(state);
    stateLine.dataset.state = state;
    admit.hidden = state !== 'patient-waiting';
    end.hidden = call.side !== 'doctor' || state === 'ended';
    if (state === 'connected') problemLine.textContent = '';
    // Ended here (hang up, or the doctor ended it for both): the visit's status says whether the visit is over.
    if (state === 'ended') void talk.refresh();
  });
  call.on('error', (error) => { if (!over) problemLine.textContent = problemWords(error); });
  call.on('remote-stream', (remote) => {
    const video = $<HTMLVideoElement>('remote');
    video.srcObject = remote;
    video.muted = false;
    void video.play().catch(() => {
      // Autoplay with sound may be blocked until the person interacts; play muted rather than not at all.
      video.muted = true;
      void video.play();
    });
  });

  admit.addEventListener('click', () => call.admit());
  end.addEventListener('click', () => call.endForBoth());
  $<HTMLButtonElement>('hang-up').addEventListener('click', () => call.hangUp());
  let audioOn = true;
  let videoOn = true;
  $<HTMLButtonElement>('toggle-audio').addEventListener('click', (event) => {
    audioOn = !audioOn;
    call.setAudioEnabled(audioOn);
    const button = event.currentTarget as HTMLButtonElement;
    button.textContent = audioOn ? words.mute : words.unmute;
    button.setAttribute('aria-pressed', String(!audioOn));
  });
  $<HTMLButtonElement>('toggle-video').addEventListener('click', (event) => {
    videoOn = !videoOn;
    call.setVideoEnabled(videoOn);
    const button = event.currentTarget as HTMLButtonElement;
    button.textContent = videoOn ? words.cameraOff : words.cameraOn;
    button.setAttribute('aria-pressed', String(!videoOn));
  });

  try {
    await call.join();
  } catch (error) {
    if (!over) problemLine.textContent = problemWords(error, 'network-lost');
  }
}

/** Stops every track, which turns the camera light off and frees the microphone; the videos show nothing. */
function releaseMedia(stream: MediaStream | undefined) {
  for (const track of stream?.getTracks() ?? []) track.stop();
  for (const id of ['local', 'remote']) $<HTMLVideoElement>(id).srcObject = null;
}

void start();
