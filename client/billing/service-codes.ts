/** A billing code in the page's words (client/i18n/service-code-words.ts), or the server's description of a code a payer added. */
import { t } from '../i18n/index.js';

export const serviceCodeWords = (code: string | undefined, display?: string) => (code ? t.serviceCodes[code] : undefined) ?? display ?? '';
