import { expect } from 'chai';
import { catalogueFromCsv, shippedCatalogue, withChinaPriceItems } from '../../server/billing/catalogue.js';
import { decideVisitCharges } from '../../server/billing/decide-visit-charges.js';
import { consent } from '../../server/billing/rules/consent.js';
import { levelOf } from '../../server/billing/rules/time-band.js';
import type { VisitFacts } from '../../server/billing/visit-facts.js';
import { Invalid, Unprocessable } from '../../server/http/errors.js';

/** An eligible established patient's finished video visit, with a signed note, no coverage. */
function facts(overrides: Partial<VisitFacts> = {}): VisitFacts {
  return {
    encounterId: 'e1', patientId: 'p1', practitionerId: 'd1', appointmentId: 'a1', visitStatus: 'finished', appointmentStatus: 'fulfilled', markedNoShow: false,
    occurredAt: '2026-11-30T10:00:00.000Z', serviceDate: '2026-11-30', contactMode: 'video', connectedMinutes: 20, documentedMinutes: null,
    minutesSource: 'video-session', note: { id: 'n1', status: 'final' }, eligibility: { eligible: true, reason: null, conditionId: 'c1' },
    establishedPatient: true, consentOnFile: false, payer: null, prescriptionLineIds: [], readingIds: [], ...overrides,
  };
}

const US = { jurisdiction: 'US', billableThatDay: [] };
const decide = (f: VisitFacts, options: Partial<Parameters<typeof decideVisitCharges>[2]> = {}) =>
  decideVisitCharges(f, shippedCatalogue(), { ...US, ...options });
const failing = (reasons: Array<{ code: string }>) => reasons.map((r) => r.code).filter((c) => c !== 'qualifies');

describe('billing rules (pure)', () => {
  it('when a new patient\'s visit is 14/15, 29/30, 44/45, 59/60 minutes, then the level is the band reached (99202–99205)', () => {
    const levels = [14, 15, 29, 30, 44, 45, 59, 60].map((m) => {
      const [em] = decide(facts({ establishedPatient: false, connectedMinutes: m }));
      return [m, em.entry.code, em.billable];
    });
    expect(levels).to.deep.equal([
      [14, '99202', false], [15, '99202', true], [29, '99202', true], [30, '99203', true],
      [44, '99203', true], [45, '99204', true], [59, '99204', true], [60, '99205', true],
    ]);
  });

  it('when a new patient\'s call reaches a virtual check-in band, then the check-in is not billable: it is for established patients', () => {
    const checkIn = decide(facts({ establishedPatient: false, connectedMinutes: 8 })).find((d) => d.entry.code === '98016')!;
    expect([checkIn.billable, failing(checkIn.reasons)]).to.deep.equal([false, ['not-eligible']]);
  });

  it('when the payer has no internet-care agreement, then the charge is not billable for that reason; without coverage it is self-pay', () => {
    const [refused] = decide(facts({ payer: { id: 'o1', name: 'Acme Health', agreement: false } }));
    expect(failing(refused.reasons)).to.deep.equal(['payer-no-agreement']);
    expect(refused.reasons.find((r) => r.code === 'payer-no-agreement')!.display).to.equal('Acme Health has no internet-care agreement with this hospital.');
    expect(decide(facts())[0].billable).to.equal(true);
  });

  it('when the appointment was a no-show, then the charge is not billable: no-show', () => {
    expect(failing(decide(facts({ appointmentStatus: 'noshow' }))[0].reasons)).to.deep.equal(['no-show']);
  });

  it('when a code needs consent, then it is billed only with consent on file (remote monitoring)', () => {
    const rpm = shippedCatalogue().entries.find((e) => e.code === '99454')!;
    expect(consent(facts({ consentOnFile: false }), rpm, 0).code).to.equal('consent-missing');
    expect(consent(facts({ consentOnFile: true }), rpm, 0).code).to.equal('qualifies');
    const em = shippedCatalogue().entries.find((e) => e.code === '99213')!;
    expect(consent(facts({ consentOnFile: false }), em, 20).code).to.equal('qualifies');
  });

  it('when an E/M is already billable that day for this patient and doctor, then a check-in is mutually exclusive with it', () => {
    const [checkIn] = decide(facts({ connectedMinutes: 7 }), { billableThatDay: ['99213'] }).filter((d) => d.entry.code === '98016');
    expect(failing(checkIn.reasons)).to.deep.equal(['mutually-exclusive']);
  });

  it('when the doctor asks for a higher level than the minutes reach, then 422; another family\'s code is 422 too', () => {
    const family = shippedCatalogue().entries.filter((e) => e.category === 'em-established');
    expect(levelOf(family, 39).code).to.equal('99214');
    expect(levelOf(family, 39, '99213').code).to.equal('99213');
    expect(() => levelOf(family, 39, '99215')).to.throw(Unprocessable).with.property('code', 'level-above-minutes');
    expect(() => levelOf(family, 39, '99203')).to.throw(Unprocessable).with.property('code', 'level-not-in-family');
  });

  it('when the node bills in China, then the internet follow-up is its configured item, priced like the general outpatient consultation', () => {
    const items = { system: 'urn:cn-gd:price-items', followUpItem: 'GD-IH-01', outpatientItem: 'GD-110200001', outpatientPrice: 25 };
    const catalogue = withChinaPriceItems(shippedCatalogue(), items);
    const [charge] = decideVisitCharges(facts(), catalogue, { jurisdiction: 'CN', billableThatDay: [] });
    expect([charge.entry.system, charge.entry.code, charge.entry.price, charge.billable, charge.modifiers]).to.deep.equal(
      ['urn:cn-gd:price-items', 'GD-IH-01', { value: 25, currency: 'CNY' }, true, []]);
  });

  it('when a CSV catalogue has quoted fields, then they are read whole; a bad row is a 400 naming the field', () => {
    const csv = 'system,code,description,jurisdiction,category,unit,minMinutes,validFrom\n'
      + 'http://www.ama-assn.org/go/cpt,99212,"Visit, established, ""short""",US,em-established,visit,10,2025-01-01\n';
    expect(catalogueFromCsv(csv, 'v1').entries[0].description).to.equal('Visit, established, "short"');
    const error = (() => { try { catalogueFromCsv(csv.replace('em-established', 'em-fancy'), 'v2'); } catch (e) { return e; } return undefined; })();
    expect(error).to.be.instanceOf(Invalid);
    expect((error as Invalid).details.map((d) => d.expression)).to.deep.equal(['body.entries.0.category']);
  });
});
