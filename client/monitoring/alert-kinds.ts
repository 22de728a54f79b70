/** The kinds of home-monitoring alert in words for staff pages (server/monitoring/alerts.ts raises them). */
import { t, wordOf } from '../i18n/index.js';

export const alertKindWords = (kind: string) => t.alertKind[kind] ?? kind;

/** "critical", "warning" … in the page's language. */
export const severityWords = (severity: string) => wordOf(t.severity, severity);
