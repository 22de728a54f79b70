import { expect } from 'chai';
import { visitCalendar } from '../../server/notifications/icalendar.js';
import { en as enWords } from '../../client/i18n/en.js';
import { zhCN } from '../../client/i18n/zh-CN.js';
import { composeMessage } from '../../server/notifications/messages.js';

describe('notification messages (templates and calendar files)', () => {
  const start = new Date('2026-03-08T01:30:00Z');
  const base = { kind: 'appointment-booked' as const, audience: 'patient' as const, start, visitType: 'video-follow-up' as const, link: 'https://h.test/visit/a1' };

  it('when the recipient reads English in New York, then the date is written in English in her zone, named', () => {
    const { subject, text } = composeMessage({ ...base, language: 'en', timeZone: 'America/New_York', counterpart: { family: 'Chen', given: 'Wei' } });
    expect(subject).to.equal('Booked: video follow-up visit, Saturday, March 7, 2026 at 8:30 PM (America/New_York)');
    expect(text).to.include('with Dr Chen').and.include('https://h.test/visit/a1');
  });

  it('when the recipient reads Chinese in Shanghai, then the same visit is the next morning, in Chinese', () => {
    const { subject, text } = composeMessage({ ...base, language: 'zh-CN', timeZone: 'Asia/Shanghai', counterpart: { family: '陈', given: '伟' } });
    expect(subject).to.equal('预约成功：视频复诊 2026年3月8日星期日 09:30 (Asia/Shanghai)');
    expect(text).to.include('陈伟医生');
  });

  it('when any critical alert is e-mailed, then its kind is named in the pages\' words of the doctor\'s language, never as its code', () => {
    const crisis = { kind: 'crisis-alert' as const, audience: 'practitioner' as const, timeZone: 'Asia/Shanghai', link: 'https://h.test/#alerts' };
    for (const [alertKind, zh, en] of [['bp-crisis', '高血压危象', 'Blood pressure crisis'], ['glucose-very-high', '血糖严重偏高', 'Severely high glucose']]) {
      expect(composeMessage({ ...crisis, language: 'zh-CN', alertKind }).text, alertKind).to.include(`（${zh}）`).and.not.include(alertKind!);
      expect(composeMessage({ ...crisis, language: 'en', alertKind }).subject, alertKind).to.equal(`Urgent: ${en} in one of your patients`);
    }
  });

  it('when a visit is booked or a complaint answered, then the e-mail names the visit type and the outcome in the pages\' words', () => {
    const inPerson = { ...base, visitType: 'in-person' as const, timeZone: 'Asia/Shanghai' };
    expect(composeMessage({ ...inPerson, language: 'zh-CN' }).subject).to.include(`：${zhCN.visitType['in-person']} `);
    expect(composeMessage({ ...inPerson, language: 'en' }).text).to.include(`Your ${enWords.visitType['in-person']} visit`);
    const answered = { kind: 'dispute-answered' as const, audience: 'patient' as const, timeZone: 'Asia/Shanghai', link: 'https://h.test/#disputes' };
    for (const outcome of ['upheld', 'partially-upheld', 'rejected']) {
      expect(composeMessage({ ...answered, language: 'zh-CN', outcome }).text, outcome)
        .to.include(zhCN.notifications.disputeAnswered(zhCN.pages.disputes.outcome[outcome]!)).and.not.include(outcome);
      expect(composeMessage({ ...answered, language: 'en', outcome }).text, outcome)
        .to.include(enWords.notifications.disputeAnswered(enWords.pages.disputes.outcome[outcome]!));
    }
  });

  it('when a summary has commas, semicolons or newlines and is long, then the .ics escapes and folds it without splitting a character', () => {
    const ics = visitCalendar({
      appointmentId: 'a1', host: 'h.test', start, end: new Date(start.getTime() + 1_800_000), summary: `复诊, 血压; 第二行\n${'长'.repeat(40)}`,
      url: 'https://h.test/visit/a1', organizerEmail: 'noreply@h.test', cancelled: true, now: start,
    });
    expect(ics).to.include('METHOD:CANCEL').and.include('UID:a1@h.test').and.include('DTSTART:20260308T013000Z').and.include('DTEND:20260308T020000Z');
    const lines = ics.split('\r\n');
    expect(lines.every((l) => Buffer.byteLength(l) <= 75)).to.equal(true);
    const summary = lines.slice(lines.findIndex((l) => l.startsWith('SUMMARY:'))).join('\r\n').split(/\r\n(?! )/)[0]!.replace(/\r\n /g, '');
    expect(summary).to.equal(`SUMMARY:复诊\\, 血压\\; 第二行\\n${'长'.repeat(40)}`);
  });
});
