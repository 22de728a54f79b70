import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { book, doctorWithSlots, freeSlotsOf, quickPatient } from '../support/appointments.js';
import { homePageSuite } from '../support/browser.js';
import { ACCOUNT_PASSWORD, diagnoseHypertensionInPerson, newPatient } from '../support/factories.js';
import { checkPage, VIEWPORTS, type ViewportName } from '../support/page-checks.js';
import type { TestNode } from '../support/test-node.js';
import { addDays, isoWeekday, localDate } from '../../server/appointments/time-zone.js';

/** The words the test looks for, in each language the pages speak (client/i18n/). */
const WORDS = {
  en: {
    nav: 'My availability', weekdays: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
    addHoursOn: (day: string) => `Add hours on ${day}`, addExtra: 'Add extra hours', extra: 'Extra hours 1', date: 'Date', hours: (day: string, n: number) => `${day}, hours ${n}`, from: 'From', to: 'To',
    save: 'Save availability', saved: /^Saved\. 2 new slots/, outside: 'Booked visits outside these hours',
    doctor: (name: string) => `Dr ${name}`, search: 'Search free slots', booked: /^Booked: /,
  },
  'zh-CN': {
    nav: '我的出诊时间', weekdays: ['星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日'],
    addHoursOn: (day: string) => `为${day}添加时段`, addExtra: '添加临时加诊', extra: '临时加诊 1', date: '日期', hours: (day: string, n: number) => `${day}第 ${n} 段`, from: '开始', to: '结束',
    save: '保存出诊时间', saved: /^已保存。新增 2 个号源/, outside: '不在新出诊时间内的已预约就诊',
    doctor: (name: string) => `${name} 医生`, search: '查询号源', booked: /^已预约/,
  },
} as const;

describe('a doctor sets availability and a patient books the new slot (headless Chromium)', function () {
  const suite = homePageSuite();
  let hospital: TestNode;
  before(() => { hospital = suite.hospital; });

  // Tomorrow's afternoon is added as weekly hours on its weekday in one run, as extra hours on its date in the other.
  for (const [locale, viewport, added] of [['en', 'desktop', 'on tomorrow\'s date'], ['zh-CN', 'phone', 'on tomorrow\'s weekday']] as const) {
    it(`when a doctor (${locale}, ${VIEWPORTS[viewport].width} px) adds afternoon hours ${added} and saves, then a patient finds the new slot in the week calendar and books it`, async () => {
      const words = WORDS[locale];
      const doctor = await doctorWithSlots(hospital);
      const { givenName, familyName } = await hospital.db.models.Practitioner.findByPk(doctor.practitionerId, { rejectOnEmpty: true });
      const tomorrow = addDays(localDate('UTC', new Date()), 1);
      const day = words.weekdays[isoWeekday(tomorrow) - 1]!;
      // A visit booked tomorrow at 11:00, which the doctor's new hours (tomorrow 08:00–10:00) leave outside.
      const early = (await freeSlotsOf(hospital, doctor.practitionerId)).find((s) => s.start.toISOString() === `${tomorrow}T11:00:00.000Z`)!;
      const kept = (await book(hospital, (await quickPatient(hospital)).token, early.id).expect(201)).body;

      const desk = await signIn(doctor.email, locale, viewport);
      await desk.getByRole('navigation').getByRole('link', { name: words.nav }).click();
      const page = desk.locator('#my-availability');
      const morning = page.getByRole('group', { name: words.hours(day, 1) });
      await morning.getByLabel(words.to).fill('10:00');
      await morning.getByLabel(words.to).blur();
      let afternoon;
      if (added === 'on tomorrow\'s date') {
        await page.getByRole('button', { name: words.addExtra }).click();
        afternoon = page.getByRole('group', { name: words.extra });
        await afternoon.getByLabel(words.date).fill(tomorrow);
      } else {
        await page.getByRole('button', { name: words.addHoursOn(day) }).click();
        afternoon = page.getByRole('group', { name: words.hours(day, 2) });
      }
      await afternoon.getByLabel(words.from).fill('14:00');
      await afternoon.getByLabel(words.to).fill('15:00');
      await afternoon.getByLabel(words.to).blur();
      // The server's preview shows the new slots, and the booked visit the new hours leave out.
      await page.locator(`#availability-preview .slot-day[data-day="${tomorrow}"] li[data-start^="${tomorrow}T14:30"]`).waitFor();
      const outside = page.locator('#availability-outside-hours');
      await outside.getByRole('heading', { name: words.outside }).waitFor();
      await outside.locator(`li[data-appointment="${kept.id}"]`).waitFor();
      // From the top: the sticky navigation covers whatever the page has scrolled beneath it, which axe would flag.
      await desk.evaluate(() => window.scrollTo(0, 0));
      await checkPage(desk, `availability-preview-${locale}-${VIEWPORTS[viewport].width}`);

      await page.getByRole('button', { name: words.save }).click();
      await page.locator('[role="status"]').filter({ hasText: words.saved }).waitFor();
      const created = await hospital.db.models.Slot.findOne({
        where: { practitionerId: doctor.practitionerId, start: new Date(`${tomorrow}T14:00:00Z`), status: 'free' }, rejectOnEmpty: true,
      });
      expect((await hospital.db.models.Appointment.findByPk(kept.id, { rejectOnEmpty: true })).status, 'saving keeps a booked visit').to.equal('booked');
      await desk.context().close();

      const patient = await newPatient(hospital, 'Afternoon');
      await diagnoseHypertensionInPerson(hospital, patient.patientId, doctor.practitionerId);
      const home = await signIn(patient.email, locale, viewport);
      const booking = home.locator('#book-follow-up');
      await booking.locator('select[name="practitioner"]').selectOption({ label: words.doctor(`${givenName} ${familyName}`) });
      await booking.getByRole('button', { name: words.search }).click();
      const slot = booking.locator(`.week .slot-day li[data-slot="${created.id}"]`);
      await slot.getByRole('button').click();
      await booking.locator('[role="status"]').filter({ hasText: words.booked }).waitFor();
      const appointment = await hospital.db.models.Appointment.findOne({ where: { slotId: created.id }, rejectOnEmpty: true });
      expect(appointment).to.include({ patientId: patient.patientId, status: 'booked' });
      await checkPage(home, `availability-patient-booked-${locale}-${VIEWPORTS[viewport].width}`);
      await home.context().close();
    });
  }

  function signIn(email: string, locale: string, viewport: ViewportName): Promise<Page> {
    return suite.signIn(email, ACCOUNT_PASSWORD, { locale, viewport: VIEWPORTS[viewport] });
  }
});
