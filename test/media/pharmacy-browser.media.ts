import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { homePageSuite } from '../support/browser.js';
import { fakeCameraArgs, writeQrVideo } from '../support/fake-camera.js';
import { checkPage, VIEWPORTS } from '../support/page-checks.js';
import {
  allergyTo, issuePrescription, medicineFrom, openFollowUpVisit, PHARMACIST, RAMIPRIL, readyPrescription, recordThroughFhir,
} from '../support/prescriptions.js';
import request from 'supertest';
import { DEMO_PASSWORD } from '../support/test-node.js';

// Chromium's fake camera plays this file; each test writes what the camera is to see before the page asks for it.
const cameraFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fake-camera-')), 'camera.y4m');
writeQrVideo(cameraFile, undefined);

/** Keeps every camera stream the page opens, so the test can tell whether its tracks were stopped. */
const recordStreams = (page: Page) => page.addInitScript(() => {
  const opened: MediaStream[] = [];
  (window as unknown as { openedStreams: MediaStream[] }).openedStreams = opened;
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    opened.push(stream);
    return stream;
  };
});

/** How many camera streams the page opened, and whether every track of them is stopped (the camera released). */
const cameraState = (page: Page) => page.evaluate(() => {
  const opened = (window as unknown as { openedStreams: MediaStream[] }).openedStreams;
  return { opened: opened.length, released: opened.every((s) => s.getTracks().every((track) => track.readyState === 'ended')) };
});

describe('the pharmacy in the browser: the review context and scanning the QR code with the camera (headless Chromium, issue 14)', function () {
  const suite = homePageSuite(fakeCameraArgs(cameraFile));
  const { signIn } = suite;

  /** The desk signed in, with the streams it opens recorded; reloaded so the recording is in place. */
  async function desk(locale: string, viewport: { width: number; height: number }) {
    const page = await signIn(PHARMACIST, DEMO_PASSWORD, { locale, viewport });
    await recordStreams(page);
    await page.reload();
    await page.waitForSelector('#home:not([hidden])');
    return page;
  }

  for (const [locale, width, scan, handOver, checked] of [
    ['en-US', 'desktop', 'Scan', 'Hand over', 'Checked: ready to hand over.'],
    ['zh-CN', 'phone', '扫码', '发药', '已核验：可以发药。'],
  ] as const) {
    it(`when a QR code is scanned from a fake camera stream, then the code is checked and the desk shows the prescription to hand over; the camera is released (${locale}, ${VIEWPORTS[width].width} px)`, async () => {
      const rx = await readyPrescription(suite.hospital);
      writeQrVideo(cameraFile, rx.code);
      const page = await desk(locale, VIEWPORTS[width]);
      await page.getByRole('button', { name: scan, exact: true }).click();
      const checkedArticle = page.locator('#dispensation article');
      await checkedArticle.waitFor();
      expect(await checkedArticle.textContent()).to.contain('Rx Test').and.to.contain('Ramipril');
      expect(await page.locator('#dispensation-state').textContent()).to.equal(checked);
      expect(await page.getByRole('button', { name: handOver, exact: true }).isVisible()).to.equal(true);
      expect((await suite.hospital.db.models.Prescription.findByPk(rx.id, { rejectOnEmpty: true })).status).to.equal('in-progress');
      expect(await page.locator('#desk-scanner').isHidden()).to.equal(true);
      expect(await cameraState(page)).to.deep.equal({ opened: 1, released: true });
      await checkPage(page, `pharmacy-desk-scanned-${locale}-${width}`);
    });
  }

  it('when the pharmacist stops scanning before a code is seen, then the camera is released and the typed code still works', async () => {
    writeQrVideo(cameraFile, undefined);
    const rx = await readyPrescription(suite.hospital);
    const page = await desk('en-US', VIEWPORTS.desktop);
    await page.getByRole('button', { name: 'Scan', exact: true }).click();
    await page.getByLabel('Camera view for scanning the QR code').waitFor();
    await page.waitForFunction(() => (document.querySelector('#desk-scanner video') as HTMLVideoElement).readyState >= 2);
    await checkPage(page, 'pharmacy-desk-scanning');
    await page.getByRole('button', { name: 'Stop scanning' }).click();
    await page.locator('#desk-scanner').waitFor({ state: 'hidden' });
    await page.waitForFunction(() => (window as unknown as { openedStreams: MediaStream[] }).openedStreams
      .every((s) => s.getTracks().every((track) => track.readyState === 'ended')));
    expect(await cameraState(page)).to.deep.equal({ opened: 1, released: true });
    expect(await page.locator('#pharmacy-desk [role="alert"]').textContent()).to.equal('');

    await page.getByLabel('Patient\'s prescription code').fill(rx.code);
    await page.getByRole('button', { name: 'Check code' }).click();
    await page.waitForSelector('#dispensation-state[data-state="in-progress"]');
  });

  for (const [locale, width, flag, allergy, none] of [
    ['en-US', 'desktop', 'Line 1, Enalapril, is in the same drug class (ATC C09AA) as Ramipril.', 'Penicillin — high risk — Hives', 'None recorded.'],
    ['zh-CN', 'phone', '第 1 行 Enalapril 与 Ramipril 属于同一类药物（ATC C09AA）。', 'Penicillin — 高风险 — Hives', '无记录。'],
  ] as const) {
    it(`when the pharmacist reviews enalapril for a patient on ramipril, then the queue shows the patient, the diagnosis, current medicines with their origin, allergies and the duplicate class (${locale}, ${VIEWPORTS[width].width} px)`, async () => {
      const { hospital } = suite;
      const setup = await openFollowUpVisit(hospital);
      await hospital.db.models.Patient.update({ birthDate: '1950-03-15', gender: 'female' }, { where: { id: setup.patient.patientId } });
      await recordThroughFhir(hospital, setup.doctor.token, allergyTo(setup.patient.patientId, 'Penicillin', 'Hives'));
      await recordThroughFhir(hospital, setup.doctor.token, medicineFrom(setup.patient.patientId, 'A10BA02', 'Metformin', 'https://other.example/fhir'));
      const earlier = await issuePrescription(hospital, setup);
      await request(hospital.app).post(`/api/prescriptions/${earlier.body.id}/review`).auth(await hospital.tokenFor(PHARMACIST), { type: 'bearer' })
        .send({ decision: 'approve' }).expect(200);
      const issued = await issuePrescription(hospital, setup, { lines: [{ ...RAMIPRIL, drugCode: 'C09AA02' }] });
      expect(issued.status).to.equal(201);
      // A patient with nothing on record, in the same queue: the page says so rather than showing empty lists.
      const bare = await issuePrescription(hospital, await openFollowUpVisit(hospital), { lines: [{ ...RAMIPRIL, drugCode: 'C08CA01' }] });

      const page = await signIn(PHARMACIST, DEMO_PASSWORD, { locale, viewport: VIEWPORTS[width] });
      const item = page.locator(`#review-queue [data-prescription="${issued.body.id}"]`);
      await item.waitFor();
      expect(await item.locator('.duplicate-flags li').allTextContents()).to.deep.equal([flag]);
      expect(await item.locator('.patient').textContent()).to.match(locale === 'en-US' ? /^Rx Test, \d+ years old, female$/ : /^Rx Test, \d+ 岁, 女$/);
      expect(await item.locator('.diagnosis').textContent()).to.contain('Essential (primary) hypertension (I10)');
      const medicines = await item.locator('.current-medicines li').allTextContents();
      expect(medicines).to.have.length(2);
      expect(medicines[0]).to.contain('Ramipril');
      expect(medicines[1]).to.contain('Metformin');
      expect(await item.locator('.allergies li').allTextContents()).to.deep.equal([allergy]);
      const bareItem = page.locator(`#review-queue [data-prescription="${bare.body.id}"]`);
      expect(await bareItem.locator('.current-medicines').textContent()).to.equal(none);
      expect(await bareItem.locator('.allergies').textContent()).to.equal(none);
      expect(await bareItem.locator('.duplicate-flags').count()).to.equal(0);
      await item.scrollIntoViewIfNeeded();
      await checkPage(page, `pharmacy-review-context-${locale}-${width}`);
    });
  }
});
