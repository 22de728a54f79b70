import { expect } from 'chai';
import { zoneGroups } from '../../client/appointments/zone-choices.js';
import { en } from '../../client/i18n/en.js';
import { zhCN } from '../../client/i18n/zh-CN.js';

/** The doctor's time zone list (client/appointments/zone-choices.ts), with the zones this Node's Intl knows. */
describe('the time zones a doctor chooses from, in her language', () => {
  const zones = Intl.supportedValuesOf('timeZone');
  const winter = new Date('2026-12-01T00:00:00Z');
  const choices = (groups: ReturnType<typeof zoneGroups>) => groups.flatMap((g) => g.choices);

  it('when the page is in Chinese, then China Standard Time comes first, named in Chinese with its offset, and Asia leads the regions', () => {
    const groups = zoneGroups('zh-CN', 'Europe/Berlin', zones, zhCN.availability.zones, winter);
    expect(groups[0]!.label).to.equal('常用');
    expect(groups[0]!.choices.map((c) => c.zone)).to.deep.equal(['Asia/Shanghai', 'Europe/Berlin', 'UTC']);
    expect(groups[0]!.choices[0]!.words).to.equal('中国标准时间（UTC+8）');
    expect(groups[0]!.choices[2]!.words).to.equal('协调世界时（UTC+0）');
    expect(groups[1]!.label).to.equal('亚洲');
    expect(choices(groups).some((c) => /^[A-Z][a-z]+\//.test(c.words)), 'an IANA name shown').to.equal(false);
  });

  it('when the page is in English, then the zone set now and UTC are suggested, and the zones by their English names', () => {
    const groups = zoneGroups('en', 'America/New_York', zones, en.availability.zones, winter);
    expect(groups[0]!.choices.map((c) => c.words)).to.deep.equal(['Eastern Time (UTC−5)', 'Coordinated Universal Time (UTC+0)']);
    expect(choices(groups).map((c) => c.words)).to.include('India Standard Time (UTC+5:30)');
  });

  it('when zones of a region share a name, then it is listed once, sorted by offset, and every choice is an IANA zone', () => {
    const groups = zoneGroups('zh-CN', 'Asia/Shanghai', zones, zhCN.availability.zones, winter);
    for (const group of groups.slice(1)) {
      const words = group.choices.map((c) => c.words);
      expect(new Set(words).size, group.label).to.equal(words.length);
    }
    const europe = groups.find((g) => g.label === '欧洲')!.choices.map((c) => c.words);
    expect(europe.filter((w) => w.startsWith('中欧时间'))).to.have.length(1);
    expect(europe.indexOf('英国时间（UTC+0）')).to.be.below(europe.findIndex((w) => w.startsWith('中欧时间')));
    expect(choices(groups).every((c) => c.zone === 'UTC' || zones.includes(c.zone))).to.equal(true);
    expect(choices(groups).filter((c) => c.zone === 'Asia/Shanghai')).to.have.length(1);
  });

  it('when the zone set now is one this browser does not know, then it is still offered, by its own name', () => {
    const groups = zoneGroups('zh-CN', 'Mars/Olympus_Mons', zones, zhCN.availability.zones, winter);
    expect(groups[0]!.choices.map((c) => c.zone)).to.include('Mars/Olympus_Mons');
  });
});
