import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { FAKE_MEDIA_ARGS, startBrowserNode, type BrowserNode } from '../support/browser.js';
import type { TestNode } from '../support/test-node.js';
import { videoVisit } from '../support/video.js';

describe('video visit in the browser (headless Chromium, fake camera, loopback only)', function () {
  let node: BrowserNode | undefined;
  let hospital: TestNode;
  let web: BrowserNode['web'];
  let browser: BrowserNode['browser'];

  before(async () => {
    node = await startBrowserNode(FAKE_MEDIA_ARGS);
    ({ hospital, web, browser } = node);
  });
  after(async () => { await node?.close(); });

  async function openVisit(appointmentId: string, accessToken: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${web.base}/visit/${appointmentId}?token=${encodeURIComponent(accessToken)}`);
    return page;
  }

  const stateOf = (page: Page) => page.locator('#state').getAttribute('data-state');

  async function remoteVideoPlays(page: Page) {
    await page.waitForFunction(() => (document.getElementById('remote') as HTMLVideoElement).videoWidth > 0, null, { timeout: 20_000 });
    await page.waitForFunction(async () => {
      const pc = (window as unknown as { visit: { peerConnection: RTCPeerConnection | null } }).visit.peerConnection;
      if (!pc) return false;
      const stats = [...(await pc.getStats()).values()] as Array<{ type: string; kind?: string; framesDecoded?: number }>;
      return stats.some((s) => s.type === 'inbound-rtp' && s.kind === 'video' && (s.framesDecoded ?? 0) > 0);
    }, null, { timeout: 20_000, polling: 200 });
  }

  it('when the patient waits and the doctor lets them in, then both pages play the other side\'s video', async () => {
    const { doctor, patient, appointmentId } = await videoVisit(hospital);
    const patientPage = await openVisit(appointmentId, patient.token);
    await patientPage.waitForSelector('#state[data-state="waiting"]');
    expect(await patientPage.locator('#state').textContent()).to.match(/waiting room/);

    const doctorPage = await openVisit(appointmentId, doctor.token);
    await doctorPage.locator('#admit').click();
    await Promise.all([remoteVideoPlays(patientPage), remoteVideoPlays(doctorPage)]);
    expect(await stateOf(patientPage)).to.equal('connected');
    expect(await stateOf(doctorPage)).to.equal('connected');
    expect(await doctorPage.locator('#state').textContent()).to.equal('Connected.');

    // Muting stops the patient's microphone track and the button says how to undo it.
    await patientPage.locator('#toggle-audio').click();
    expect(await patientPage.locator('#toggle-audio').textContent()).to.equal('Unmute microphone');
    expect(await patientPage.evaluate(() => (document.getElementById('local') as HTMLVideoElement).srcObject instanceof MediaStream
      && ((document.getElementById('local') as HTMLVideoElement).srcObject as MediaStream).getAudioTracks().every((t) => !t.enabled))).to.equal(true);

    await doctorPage.locator('#end').click();
    await patientPage.waitForSelector('#state[data-state="ended"]');
    const visit = await hospital.db.models.Encounter.findOne({ where: { appointmentId }, rejectOnEmpty: true });
    expect(visit.status).to.equal('finished');
  });

  it('when the browser refuses the camera, then the page says so in plain words and does not join', async () => {
    const { patient, appointmentId } = await videoVisit(hospital);
    const page = await (await browser.newContext()).newPage();
    // What the browser answers when the person clicks "Block".
    await page.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await page.goto(`${web.base}/visit/${appointmentId}?token=${encodeURIComponent(patient.token)}`);
    await page.waitForFunction(() => document.getElementById('problem')!.textContent !== '');
    expect(await page.locator('#problem').textContent()).to.equal('Your camera or microphone is blocked. Allow them in the browser and try again.');
    const visit = await hospital.db.models.Encounter.findOne({ where: { appointmentId } });
    expect(visit?.status ?? 'planned').to.equal('planned');
  });
});
