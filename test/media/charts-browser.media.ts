import { expect } from 'chai';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { en } from '../../client/i18n/en.js';
import { zhCN } from '../../client/i18n/zh-CN.js';
import { homePageSuite } from '../support/browser.js';
import { PDF_BYTES } from '../support/consultations.js';
import { ACCOUNT_PASSWORD, newPatient } from '../support/factories.js';
import { checkPage, VIEWPORTS, type ViewportName } from '../support/page-checks.js';
import { importedBloodPressure, importedCondition, registeredPartner } from '../support/partner-records.js';
import { issuePrescription, medicineFrom, openFollowUpVisit, RAMIPRIL, recordThroughFhir } from '../support/prescriptions.js';
import type { TestNode } from '../support/test-node.js';

const DAY = 86_400_000;
const CATALOGUES = { en, 'zh-CN': zhCN } as const;
type Locale = keyof typeof CATALOGUES;

const bp = (systolic: number, diastolic: number, at: Date) => ({
  code: '85354-9', effectiveAt: at.toISOString(), entryMethod: 'device', deviceName: 'Omron M7',
  components: [{ code: '8480-6', value: systolic, unit: 'mm[Hg]' }, { code: '8462-4', value: diastolic, unit: 'mm[Hg]' }],
});

describe('readings charts and the doctor\'s chronic-care view in the browser (headless Chromium)', function () {
  const suite = homePageSuite();
  let hospital: TestNode;
  before(() => { hospital = suite.hospital; });

  async function sendReading(patient: { patientId: string; token: string }, body: object) {
    const sent = await request(hospital.app).post(`/api/patients/${patient.patientId}/readings`).auth(patient.token, { type: 'bearer' }).send(body);
    expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
  }

  /** The chart's rows as a screen reader reads them (the table behind "Show the readings as a table"). */
  async function chartRows(page: Page, chart: string, words: (typeof CATALOGUES)[Locale]) {
    const table = page.locator(`${chart} details.chart-table`);
    if (!(await table.evaluate((d) => (d as HTMLDetailsElement).open))) await table.locator('summary').filter({ hasText: words.charts.showTable }).click();
    return table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => ({
      origin: r.getAttribute('data-origin'), cells: [...r.querySelectorAll('td')].map((td) => td.textContent ?? ''),
    })));
  }

  /** The chart has drawn its points: the canvas says how many, and has pixels. */
  async function drawn(page: Page, chart: string, points: number) {
    await page.locator(`${chart} canvas[data-points="${points}"]`).waitFor();
    expect(await page.locator(`${chart} canvas`).evaluate((c) => (c as HTMLCanvasElement).width)).to.be.greaterThan(0);
  }

  for (const locale of ['en', 'zh-CN'] as const) {
    const words = CATALOGUES[locale];
    for (const viewport of ['desktop', 'phone'] as const satisfies readonly ViewportName[]) {
      const where = `${locale}, ${VIEWPORTS[viewport].width} px`;

      it(`the readings chart shows the partner reading once (${where}): the partner's copy of a local reading is one point, marked with the hospital`, async () => {
        const patient = await newPatient(hospital, 'Chart');
        const partner = await registeredPartner(hospital, 'Hospital B');
        const taken = new Date(Date.now() - 2 * DAY);
        await sendReading(patient, bp(132, 84, taken));
        await importedBloodPressure(hospital, patient.patientId, partner.source, new Date(taken.getTime() + 30_000), 132, 84);
        await importedBloodPressure(hospital, patient.patientId, partner.source, new Date(Date.now() - 4 * DAY), 146, 92);
        await sendReading(patient, bp(128, 80, new Date(Date.now() - 12 * DAY)));

        const page = await suite.signIn(patient.email, ACCOUNT_PASSWORD, { locale, viewport: VIEWPORTS[viewport] });
        const chart = '#my-chart-readings';
        await drawn(page, chart, 3);
        const rows = await chartRows(page, chart, words);
        expect(rows.map((r) => [r.cells[1], r.origin])).to.deep.equal([
          ['132/84 mmHg', 'this-hospital'], ['146/92 mmHg', 'partner'], ['128/80 mmHg', 'this-hospital'],
        ]);
        expect(rows[0]!.cells[2]).to.equal(`${words.readings.thisHospital} ${words.readings.alsoFrom('Hospital B')}`);
        expect(rows[1]!.cells[2]).to.equal('Hospital B');
        expect(await page.locator(`${chart} #my-chart-summary`).textContent()).to.contain('146/92 mmHg').and.to.contain('128/80 mmHg');

        await page.locator(`${chart} button[data-range="7"]`).click();
        await drawn(page, chart, 2);
        expect(await page.locator(`${chart} button[data-range="7"]`).getAttribute('aria-pressed')).to.equal('true');
        expect(await page.locator(`${chart} button[data-range="7"]`).textContent()).to.equal(words.charts.rangeDays(7));
        await checkPage(page, `charts-patient-partner-once-${locale}-${VIEWPORTS[viewport].width}`);
      });

      it(`the doctor's workspace shows the chart, adherence, medicines and conditions with their origin (${where})`, async () => {
        const setup = await openFollowUpVisit(hospital);
        const { patient, doctor, visit } = setup;
        const partner = await registeredPartner(hospital, 'Hospital B');
        await importedCondition(hospital, patient.patientId, partner.source, 'J44.9', 'Chronic obstructive pulmonary disease');
        const upload = await request(hospital.app).post(`/api/patients/${patient.patientId}/diagnosis-documents`)
          .query({ title: 'Discharge letter', diagnosedOn: '2026-01-15', claimedCode: 'E11' })
          .set('Content-Type', 'application/pdf').auth(patient.token, { type: 'bearer' }).send(PDF_BYTES);
        expect(upload.status).to.equal(201);
        await request(hospital.app).post(`/api/diagnosis-documents/${upload.body.id}/review`).auth(doctor.token, { type: 'bearer' })
          .send({ decision: 'accept', code: 'E11.9', display: 'Type 2 diabetes mellitus' }).expect(200);
        expect((await issuePrescription(hospital, setup)).status).to.equal(201);
        await recordThroughFhir(hospital, doctor.token, { ...medicineFrom(patient.patientId, 'C08CA01', 'Amlodipine', partner.source), authoredOn: '2026-09-01' });
        for (const days of [1, 3, 6]) await sendReading(patient, bp(150, 95, new Date(Date.now() - days * DAY)));

        const page = await suite.signIn(doctor.email, ACCOUNT_PASSWORD, { locale, viewport: VIEWPORTS[viewport] });
        await page.locator(`#upcoming-visits [data-appointment="${visit.appointmentId}"] button`).filter({ hasText: words.doctorVisits.openWorkspace }).click();
        const care = page.locator('#chronic-care');
        await drawn(page, '#care-chart-readings', 3);
        expect(await care.locator('#care-adherence [data-days="3"]').textContent()).to.contain(words.charts.care.adherence(3, 30));
        const medicine = care.locator(`#care-medicines li[data-drug="${RAMIPRIL.drugCode}"]`);
        expect(await medicine.textContent()).to.contain(words.charts.care.medicine('Ramipril', words.dosage(RAMIPRIL.dose, RAMIPRIL.frequency)))
          .and.to.contain(words.charts.care.notDispensedUntil.trim()).and.to.contain(words.charts.care.prescribedHere);
        const partnerMedicine = care.locator('#care-medicines li[data-origin="partner"]');
        expect(await partnerMedicine.getAttribute('data-drug')).to.equal('C08CA01');
        expect(await partnerMedicine.locator('.origin').textContent()).to.equal(words.charts.care.prescribedAt('Hospital B'));
        const origin = (code: string) => care.locator(`#care-conditions li[data-condition="${code}"] .origin`).textContent();
        expect(await origin('I10')).to.equal(words.charts.care.diagnosedHere);
        expect(await origin('J44.9')).to.equal(words.charts.care.diagnosedAt('Hospital B'));
        expect(await origin('E11.9')).to.equal(words.charts.care.fromDocument('Discharge letter'));
        await checkPage(page, `charts-doctor-chronic-care-${locale}-${VIEWPORTS[viewport].width}`);
      });
    }
  }
});
