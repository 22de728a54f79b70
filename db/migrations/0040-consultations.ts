import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

const id = { type: DataTypes.STRING(64), primaryKey: true, allowNull: false };
const ref = (allowNull: boolean) => ({ type: DataTypes.STRING(64), allowNull });
const time = (allowNull: boolean) => ({ type: DataTypes.DATE(3), allowNull });
const versionId = { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 };
const timestamps = { createdAt: time(false), updatedAt: time(false) };
/** LONGBLOB on MySQL (a plain BLOB stops at 64 KiB), BLOB on SQLite (which has no sizes). */
const bytes = (q: QueryInterface) => ({ type: q.sequelize.getDialect() === 'mysql' ? DataTypes.BLOB('long') : DataTypes.BLOB, allowNull: false });

/**
 * Follow-up consultations: partner registry and exchange consent, diagnosis documents, the visit's note,
 * messages and outcome, home-monitoring care plans and alerts, disputes. Readings use `observations` (0004).
 */
export const consultations: Migration = {
  name: '0040-consultations',
  async up({ context: q }: { context: QueryInterface }) {
    await q.createTable('partners', {
      id, name: { type: DataTypes.STRING(200), allowNull: false },
      fhirBaseUrl: { type: DataTypes.STRING(255), allowNull: false, unique: true },
      jwksUrl: { type: DataTypes.STRING(255), allowNull: false },
      active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      versionId, ...timestamps,
    });
    await q.createTable('consents', {
      id, patientId: ref(false), partnerId: ref(false),
      status: { type: DataTypes.STRING(16), allowNull: false },
      grantedAt: time(false), revokedAt: time(true), versionId, ...timestamps,
    });
    // One consent per patient and partner: granting again reactivates it, so the database decides races.
    await q.addIndex('consents', ['patientId', 'partnerId'], { unique: true });

    // Uploaded bytes live apart from the records that cite them, so record versions never copy a file.
    await q.createTable('stored_files', {
      id, patientId: ref(false), contentType: { type: DataTypes.STRING(64), allowNull: false },
      size: { type: DataTypes.INTEGER, allowNull: false }, sha256: { type: DataTypes.STRING(64), allowNull: false },
      content: bytes(q), createdAt: time(false),
    });
    await q.createTable('diagnosis_documents', {
      id, patientId: ref(false), title: { type: DataTypes.STRING(200), allowNull: false },
      claimedCode: { type: DataTypes.STRING(32), allowNull: true },
      diagnosedOn: { type: DataTypes.DATEONLY, allowNull: false },
      contentType: { type: DataTypes.STRING(64), allowNull: false },
      size: { type: DataTypes.INTEGER, allowNull: false },
      fileId: ref(false),
      reviewStatus: { type: DataTypes.STRING(16), allowNull: false },
      reviewerId: ref(true), reviewedAt: time(true),
      reviewNote: { type: DataTypes.STRING(500), allowNull: true },
      conditionId: ref(true), versionId, ...timestamps,
    });
    await q.addIndex('diagnosis_documents', ['patientId', 'reviewStatus']);

    await q.createTable('visit_notes', {
      id, encounterId: { ...ref(false), unique: true }, patientId: ref(false), authorPractitionerId: ref(false),
      subjective: { type: DataTypes.TEXT, allowNull: false },
      assessment: { type: DataTypes.TEXT, allowNull: false },
      plan: { type: DataTypes.TEXT, allowNull: false },
      status: { type: DataTypes.STRING(16), allowNull: false },
      signedAt: time(true), signedBy: ref(true),
      amendmentReason: { type: DataTypes.STRING(500), allowNull: true },
      versionId, ...timestamps,
    });
    await q.createTable('visit_messages', {
      id, encounterId: ref(false), patientId: ref(false), senderUserId: ref(false),
      senderRole: { type: DataTypes.STRING(16), allowNull: false },
      text: { type: DataTypes.TEXT, allowNull: true },
      fileName: { type: DataTypes.STRING(200), allowNull: true },
      contentType: { type: DataTypes.STRING(64), allowNull: true },
      size: { type: DataTypes.INTEGER, allowNull: true },
      fileId: ref(true),
      sentAt: time(false), versionId, ...timestamps,
    });
    await q.addIndex('visit_messages', ['encounterId', 'sentAt']);
    await q.createTable('visit_outcomes', {
      encounterId: { ...ref(false), primaryKey: true }, patientId: ref(false),
      outcome: { type: DataTypes.STRING(32), allowNull: false },
      reason: { type: DataTypes.STRING(1000), allowNull: false },
      decidedBy: ref(false), decidedAt: time(false),
    });

    await q.createTable('care_plans', {
      id, patientId: { ...ref(false), unique: true }, practitionerId: ref(true),
      targets: { type: DataTypes.TEXT, allowNull: false },
      versionId, ...timestamps,
    });
    await q.createTable('monitoring_alerts', {
      id, patientId: ref(false), practitionerId: ref(true), observationId: ref(true),
      kind: { type: DataTypes.STRING(32), allowNull: false },
      severity: { type: DataTypes.STRING(16), allowNull: false },
      message: { type: DataTypes.STRING(500), allowNull: false },
      status: { type: DataTypes.STRING(16), allowNull: false },
      // `patientId:kind` while the alert is open, null once acknowledged: one open alert of a kind per patient.
      openKey: { type: DataTypes.STRING(100), allowNull: true, unique: true },
      raisedAt: time(false), acknowledgedAt: time(true), acknowledgedBy: ref(true),
      escalateAt: time(true), escalatedAt: time(true), ...timestamps,
    });
    await q.addIndex('monitoring_alerts', ['practitionerId', 'status', 'raisedAt']);
    await q.addIndex('monitoring_alerts', ['escalateAt']);
    await q.addIndex('monitoring_alerts', ['patientId', 'raisedAt']);

    await q.createTable('disputes', {
      id, encounterId: ref(false), patientId: ref(false), openedBy: ref(false),
      reason: { type: DataTypes.STRING(2000), allowNull: false },
      status: { type: DataTypes.STRING(16), allowNull: false },
      resolution: { type: DataTypes.STRING(2000), allowNull: true },
      outcome: { type: DataTypes.STRING(32), allowNull: true },
      resolvedBy: ref(true), resolvedAt: time(true), versionId, ...timestamps,
    });
    await q.addIndex('disputes', ['patientId']);
    await q.addIndex('disputes', ['status']);
  },
  async down({ context: q }: { context: QueryInterface }) {
    for (const table of ['disputes', 'monitoring_alerts', 'care_plans', 'visit_outcomes', 'visit_messages', 'visit_notes',
      'diagnosis_documents', 'stored_files', 'consents', 'partners']) await q.dropTable(table);
  },
};
