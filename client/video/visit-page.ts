/**
 * The visit page (/visit/<appointmentId>): camera preview, waiting room, the call and its controls, and beside
 * them the visit's messages and files (client/visits/visit-messages.ts), which work even without a camera.
 * Signs in with the access token in sessionStorage (set by the home page) or, once, a `?token=` in the link.
 */
import { appointmentMessages } from '../visits/visit-messages.js';
import { getLocalMedia, PeerSession, plainWords, STATE_WORDS } from './peer-session.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const stateLine = $<HTMLParagraphElement>('state');
const problemLine = $<HTMLParagraphElement>('problem');
const admit = $<HTMLButtonElement>('admit');
const end = $<HTMLButtonElement>('end');

function accessToken(): string | null {
  const params = new URLSearchParams(location.search);
  const fromLink = params.get('token');
  if (fromLink) {
    sessionStorage.setItem('access_token', fromLink);
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem('access_token');
}

async function start() {
  const appointmentId = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
  const token = accessToken();
  if (!token) {
    stateLine.textContent = 'Sign in first, then open the visit again.';
    return;
  }
  const talk = appointmentMessages(appointmentId);
  $('visit-talk').append(talk.element);
  let stream: MediaStream;
  try {
    stream = await getLocalMedia();
  } catch (error) {
    problemLine.textContent = (error as Error).message;
    stateLine.textContent = STATE_WORDS.failed;
    return;
  }
  $<HTMLVideoElement>('local').srcObject = stream;
  const session = new PeerSession({ appointmentId, accessToken: token, stream });
  (window as unknown as { visit: PeerSession }).visit = session;

  session.on('state', (state) => {
    stateLine.textContent = STATE_WORDS[state];
    stateLine.dataset.state = state;
    admit.hidden = state !== 'patient-waiting';
    end.hidden = session.side !== 'doctor' || state === 'ended';
    if (state === 'connected') problemLine.textContent = '';
    if (state === 'ended') void talk.refresh();
  });
  session.on('error', (error) => { problemLine.textContent = error.message; });
  session.on('remote-stream', (remote) => {
    const video = $<HTMLVideoElement>('remote');
    video.srcObject = remote;
    video.muted = false;
    void video.play().catch(() => {
      // Autoplay with sound may be blocked until the person interacts; play muted rather than not at all.
      video.muted = true;
      void video.play();
    });
  });

  admit.addEventListener('click', () => session.admit());
  end.addEventListener('click', () => session.endForBoth());
  $<HTMLButtonElement>('hang-up').addEventListener('click', () => session.hangUp());
  let audioOn = true;
  let videoOn = true;
  $<HTMLButtonElement>('toggle-audio').addEventListener('click', (event) => {
    audioOn = !audioOn;
    session.setAudioEnabled(audioOn);
    const button = event.currentTarget as HTMLButtonElement;
    button.textContent = audioOn ? 'Mute microphone' : 'Unmute microphone';
    button.setAttribute('aria-pressed', String(!audioOn));
  });
  $<HTMLButtonElement>('toggle-video').addEventListener('click', (event) => {
    videoOn = !videoOn;
    session.setVideoEnabled(videoOn);
    const button = event.currentTarget as HTMLButtonElement;
    button.textContent = videoOn ? 'Turn camera off' : 'Turn camera on';
    button.setAttribute('aria-pressed', String(!videoOn));
  });

  try {
    await session.join();
  } catch (error) {
    problemLine.textContent = (error as Error).message || plainWords('network-lost');
  }
}

void start();
