import { expect } from 'chai';
import { localeOf } from '../../client/i18n/locale.js';

describe('the language of the pages, from the browser\'s languages', () => {
  it('when the browser prefers any Chinese, then the pages are in Simplified Chinese', () => {
    for (const languages of [['zh-CN'], ['zh'], ['zh-Hans-CN', 'en'], ['zh-TW'], ['fr', 'zh-CN', 'en']]) {
      expect(localeOf(languages), languages.join(',')).to.equal('zh-CN');
    }
  });

  it('when the browser prefers English, or a language we do not have, then the pages are in English', () => {
    for (const languages of [['en-US', 'zh-CN'], ['en'], ['fr', 'de'], []]) {
      expect(localeOf(languages), languages.join(',')).to.equal('en');
    }
  });
});
