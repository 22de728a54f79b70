import { expect } from 'chai';
import { glucoseMgDl, readingsOfPeriod } from '../../client/monitoring/chart-values.js';

const DAY = 86_400_000;

/** What the readings chart (client/monitoring/readings-chart.ts) plots. */
describe('the readings chart plots each kind on one unit, and a period out of the 90 days it read', () => {
  it('when glucose comes in mmol/L (capillary, 15074-8), then it is drawn in mg/dL, the axis and the thresholds\' unit', () => {
    expect(glucoseMgDl({ value: 5.5, unit: 'mmol/L' })).to.equal(99.1);
    expect(glucoseMgDl({ value: 16.7, unit: 'mmol/L' })).to.equal(300.9); // above the 300 mg/dL line, as the alert says
    expect(glucoseMgDl({ value: 110, unit: 'mg/dL' })).to.equal(110);
    expect(glucoseMgDl({ value: null, unit: 'mmol/L' })).to.equal(null);
  });

  it('when a shorter period is chosen, then only the readings of its kind measured in it are drawn, oldest first', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const at = (days: number) => new Date(now - days * DAY).toISOString();
    const readings = [
      { id: 'a', code: '2339-0', effectiveAt: at(2) }, { id: 'b', code: '15074-8', effectiveAt: at(10) },
      { id: 'c', code: '85354-9', effectiveAt: at(1) }, { id: 'd', code: '2339-0', effectiveAt: at(40) }, { id: 'e', code: '2339-0', effectiveAt: at(6.9) },
    ];
    const ids = (days: number) => readingsOfPeriod(readings, ['2339-0', '15074-8'], days, now).map((r) => r.id);
    expect(ids(7)).to.deep.equal(['e', 'a']);
    expect(ids(30)).to.deep.equal(['b', 'e', 'a']);
    expect(ids(90)).to.deep.equal(['d', 'b', 'e', 'a']);
  });
});
