import { en as enWords } from '../../client/i18n/en.js';
import { zhCN } from '../../client/i18n/zh-CN.js';
import type { NotificationKind } from '../../db/models/notification-outbox.js';

/** The languages a notification is written in (docs/appointments.md "Notifications"). */
export type Language = 'zh-CN' | 'en';

/**
 * What a message may say. Never a token, access code or secret: a prescription message points to the page that
 * shows the code. A doctor's alert names no patient and no value (an e-mail is not a clinical channel): it says
 * how urgent, and links to the alert list.
 */
export interface MessageFacts {
  kind: NotificationKind;
  audience: 'patient' | 'practitioner';
  language: Language;
  timeZone: string;
  start?: Date;
  end?: Date;
  previousStart?: Date;
  visitType?: 'video-follow-up' | 'in-person';
  /** The other side of the visit: the doctor for a patient, the patient for a doctor. */
  counterpart?: PersonName;
  reason?: string | null;
  leadMinutes?: number;
  outcome?: string;
  alertKind?: string;
  /** Where to go next: the visit page, the prescription, the alert list. */
  link: string;
}

export interface PersonName { family: string; given: string }

export interface Message { subject: string; text: string }

/** Dates and times in the recipient's zone and language, with the zone named, through Intl. */
export function when(date: Date, f: Pick<MessageFacts, 'language' | 'timeZone'>): string {
  return new Intl.DateTimeFormat(f.language, {
    timeZone: f.timeZone, dateStyle: 'full', timeStyle: 'short',
  }).format(date) + ` (${f.timeZone})`;
}

/**
 * The visit types, dispute outcomes and alert kinds in the pages' words (one catalogue, client/i18n): the e-mail
 * says what the notification list and the pages say. English names a visit as "<type> visit", as the list does.
 */
const WORDS = { 'zh-CN': zhCN, en: enWords };
const visitWords = (f: MessageFacts) => WORDS[f.language].visitType[f.visitType ?? 'in-person'];
const outcomeWords = (f: MessageFacts) =>
  WORDS[f.language].notifications.disputeAnswered(WORDS[f.language].pages.disputes.outcome[f.outcome ?? ''] ?? f.outcome ?? '');
const alertWords = (f: MessageFacts) => WORDS[f.language].alertKind[f.alertKind ?? ''];

function zh(f: MessageFacts): Message {
  const visit = visitWords(f);
  const at = f.start ? when(f.start, f) : '';
  const c = f.counterpart;
  const withWhom = c ? (f.audience === 'patient' ? `${c.family}${c.given}医生` : `患者${c.family}${c.given}`) : '';
  const sign = '\n\n此邮件由互联网医院自动发送，请勿回复。';
  switch (f.kind) {
    case 'appointment-booked':
      return { subject: `预约成功：${visit} ${at}`, text: `您与${withWhom}的${visit}已预约：${at}。\n详情：${f.link}${sign}` };
    case 'appointment-rescheduled':
      return {
        subject: `预约已改期：${visit} ${at}`,
        text: `您与${withWhom}的${visit}已从${f.previousStart ? when(f.previousStart, f) : ''}改到${at}。\n详情：${f.link}${sign}`,
      };
    case 'appointment-cancelled':
      return {
        subject: `预约已取消：${visit} ${at}`,
        text: `您与${withWhom}在${at}的${visit}已取消。${f.reason ? `原因：${f.reason}。` : ''}\n如需再次预约：${f.link}${sign}`,
      };
    case 'appointment-reminder': {
      const lead = (f.leadMinutes ?? 0) >= 60 ? `${Math.round((f.leadMinutes ?? 0) / 60)}小时` : `${f.leadMinutes}分钟`;
      const join = f.visitType === 'video-follow-up' ? `视频诊室在开始前15分钟开放：${f.link}` : `详情：${f.link}`;
      return { subject: `就诊提醒：${lead}后${visit}`, text: `提醒您：您与${withWhom}的${visit}将于${at}开始。\n${join}${sign}` };
    }
    case 'prescription-ready':
      return { subject: '您的处方已审核通过，可以取药', text: `药师已审核通过您的处方，现在可以取药。\n取药码请登录后查看：${f.link}${sign}` };
    case 'dispute-answered':
      return { subject: '您的投诉已有答复', text: `${outcomeWords(f)}\n请登录查看答复：${f.link}${sign}` };
    case 'crisis-alert':
      return {
        subject: `紧急：您的一位患者出现${alertWords(f) ?? '危急读数'}`,
        text: `您负责的一位患者刚上传了危急的居家监测读数（${alertWords(f) ?? f.alertKind}）。\n请尽快查看并确认：${f.link}${sign}`,
      };
  }
}

function en(f: MessageFacts): Message {
  const visit = `${visitWords(f)} visit`;
  const at = f.start ? when(f.start, f) : '';
  const c = f.counterpart;
  const withWhom = c ? (f.audience === 'patient' ? ` with Dr ${c.family}` : ` with ${c.given} ${c.family}`) : '';
  const sign = '\n\nThis message was sent automatically by the internet hospital; please do not reply.';
  switch (f.kind) {
    case 'appointment-booked':
      return { subject: `Booked: ${visit}, ${at}`, text: `Your ${visit}${withWhom} is booked for ${at}.\nDetails: ${f.link}${sign}` };
    case 'appointment-rescheduled':
      return {
        subject: `Moved: ${visit}, now ${at}`,
        text: `Your ${visit}${withWhom} has moved from ${f.previousStart ? when(f.previousStart, f) : ''} to ${at}.\nDetails: ${f.link}${sign}`,
      };
    case 'appointment-cancelled':
      return {
        subject: `Cancelled: ${visit}, ${at}`,
        text: `Your ${visit}${withWhom} on ${at} is cancelled.${f.reason ? ` Reason: ${f.reason}.` : ''}\nTo book again: ${f.link}${sign}`,
      };
    case 'appointment-reminder': {
      const lead = (f.leadMinutes ?? 0) >= 60 ? `${Math.round((f.leadMinutes ?? 0) / 60)} hours` : `${f.leadMinutes} minutes`;
      const join = f.visitType === 'video-follow-up' ? `The video room opens 15 minutes before the start: ${f.link}` : `Details: ${f.link}`;
      return { subject: `Reminder: your ${visit} in ${lead}`, text: `Your ${visit}${withWhom} starts ${at}.\n${join}${sign}` };
    }
    case 'prescription-ready':
      return {
        subject: 'Your prescription is ready to collect',
        text: `A pharmacist has approved your prescription; it is ready to collect.\nSign in to see its collection code: ${f.link}${sign}`,
      };
    case 'dispute-answered':
      return {
        subject: 'Your complaint has been answered',
        text: `${outcomeWords(f)}\nSign in to read the answer: ${f.link}${sign}`,
      };
    case 'crisis-alert':
      return {
        subject: `Urgent: ${alertWords(f) ?? 'critical reading'} in one of your patients`,
        text: `A patient in your care has just sent a critical home reading (${alertWords(f) ?? f.alertKind}).\n`
          + `Please review and acknowledge it: ${f.link}${sign}`,
      };
  }
}

export const composeMessage = (facts: MessageFacts): Message => (facts.language === 'en' ? en(facts) : zh(facts));
