import { expect } from 'chai';
import { planSlots, type SlotPlan } from '../../server/appointments/slot-generation.js';
import { isoInZone, zonedToUtc } from '../../server/appointments/time-zone.js';

const everyDay = (start: string, end: string): SlotPlan['rules'] =>
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end, visitTypes: ['in-person'] }));
const plan = (timeZone: string, over: Partial<SlotPlan> = {}): SlotPlan =>
  ({ timeZone, slotMinutes: 30, bufferMinutes: 0, rules: everyDay('00:00', '04:00'), exceptionDates: [], ...over });

describe('slot generation in the doctor\'s time zone', () => {
  it('when the clocks spring forward (Europe/London, 28 March 2027), then a 00:00–04:00 opening holds three hours of slots', () => {
    const slots = planSlots(plan('Europe/London'), new Date('2027-03-28T00:00:00Z'), 1);
    expect(slots).to.have.length(6);
    expect(slots.map((s) => isoInZone(s.start, 'Europe/London'))).to.deep.equal([
      '2027-03-28T00:00:00+00:00', '2027-03-28T00:30:00+00:00', '2027-03-28T02:00:00+01:00',
      '2027-03-28T02:30:00+01:00', '2027-03-28T03:00:00+01:00', '2027-03-28T03:30:00+01:00',
    ]);
  });

  it('when the clocks fall back (Europe/London, 31 October 2027), then a 00:00–04:00 opening holds five hours of slots, 01:00–02:00 twice', () => {
    const slots = planSlots(plan('Europe/London'), new Date('2027-10-30T23:00:00Z'), 1);
    expect(slots).to.have.length(10);
    const local = slots.map((s) => isoInZone(s.start, 'Europe/London'));
    expect(local.filter((t) => t.includes('T01:00'))).to.deep.equal(['2027-10-31T01:00:00+01:00', '2027-10-31T01:00:00+00:00']);
  });

  it('when it is an ordinary day, then slots of length plus buffer fill the opening and nothing spills past its end', () => {
    const slots = planSlots(plan('Asia/Shanghai', { slotMinutes: 20, bufferMinutes: 10, rules: everyDay('09:00', '12:00') }), new Date('2026-12-01T00:00:00Z'), 1);
    expect(slots.map((s) => isoInZone(s.start, 'Asia/Shanghai').slice(11, 16))).to.deep.equal(['09:00', '09:30', '10:00', '10:30', '11:00', '11:30']);
    expect(isoInZone(slots[5].end, 'Asia/Shanghai')).to.equal('2026-12-01T11:50:00+08:00');
  });

  it('when a date is an exception or has no opening that weekday, then it has no slots', () => {
    const weekdaysOnly = everyDay('09:00', '10:00').filter((r) => r.weekday <= 5);
    const slots = planSlots(plan('UTC', { rules: weekdaysOnly, exceptionDates: ['2026-12-02'] }), new Date('2026-11-30T00:00:00Z'), 7);
    const dates = [...new Set(slots.map((s) => s.start.toISOString().slice(0, 10)))];
    expect(dates).to.deep.equal(['2026-11-30', '2026-12-01', '2026-12-03', '2026-12-04']);
  });

  it('when a date has extra hours, then they add to its weekly hours, and on an exception date they are its only hours', () => {
    const weekdaysOnly = everyDay('09:00', '10:00').filter((r) => r.weekday <= 5);
    const datedOpenings = [{ date: '2026-12-02', start: '15:00', end: '16:00', visitTypes: ['video-follow-up' as const] },
      { date: '2026-12-03', start: '15:00', end: '15:30', visitTypes: ['in-person' as const] }];
    const slots = planSlots(plan('UTC', { rules: weekdaysOnly, exceptionDates: ['2026-12-02'], datedOpenings }), new Date('2026-12-02T00:00:00Z'), 2);
    expect(slots.map((s) => `${s.start.toISOString().slice(0, 16)} ${s.visitTypes.join(',')}`)).to.deep.equal([
      '2026-12-02T15:00 video-follow-up', '2026-12-02T15:30 video-follow-up',
      '2026-12-03T09:00 in-person', '2026-12-03T09:30 in-person', '2026-12-03T15:00 in-person',
    ]);
  });

  it('when a wall time falls in the spring-forward gap, then it moves forward by the gap; an ambiguous one takes the earlier instant', () => {
    expect(zonedToUtc('2027-03-14', '02:30', 'America/New_York').toISOString()).to.equal('2027-03-14T07:30:00.000Z');
    expect(zonedToUtc('2027-11-07', '01:30', 'America/New_York').toISOString()).to.equal('2027-11-07T05:30:00.000Z');
  });
});
