import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';

const id = { type: DataTypes.STRING(64), primaryKey: true, allowNull: false };
const ref = (allowNull: boolean) => ({ type: DataTypes.STRING(64), allowNull });
const versionId = { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 };
const timestamps = {
  createdAt: { type: DataTypes.DATE(3), allowNull: false },
  updatedAt: { type: DataTypes.DATE(3), allowNull: false },
};

export const foundation: Migration = {
  name: '0001-foundation',
  async up({ context: q }: { context: QueryInterface }) {
    await q.createTable('organizations', {
      id,
      name: { type: DataTypes.STRING(200), allowNull: false },
      kind: { type: DataTypes.STRING(16), allowNull: false },
      identifier: { type: DataTypes.STRING(64), allowNull: true, unique: true },
      versionId,
      ...timestamps,
    });
    await q.createTable('patients', {
      id,
      familyName: { type: DataTypes.STRING(100), allowNull: false },
      givenName: { type: DataTypes.STRING(100), allowNull: false },
      birthDate: { type: DataTypes.DATEONLY, allowNull: true },
      gender: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'unknown' },
      phone: { type: DataTypes.STRING(32), allowNull: true },
      email: { type: DataTypes.STRING(254), allowNull: true },
      timeZone: { type: DataTypes.STRING(64), allowNull: false, defaultValue: 'UTC' },
      versionId,
      ...timestamps,
    });
    await q.createTable('practitioners', {
      id,
      familyName: { type: DataTypes.STRING(100), allowNull: false },
      givenName: { type: DataTypes.STRING(100), allowNull: false },
      specialtyCode: { type: DataTypes.STRING(32), allowNull: true },
      specialtyDisplay: { type: DataTypes.STRING(100), allowNull: true },
      organizationId: ref(false),
      versionId,
      ...timestamps,
    });
    await q.createTable('coverages', {
      id,
      patientId: ref(false),
      payorId: ref(false),
      memberId: { type: DataTypes.STRING(64), allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false },
      periodStart: { type: DataTypes.DATEONLY, allowNull: true },
      periodEnd: { type: DataTypes.DATEONLY, allowNull: true },
      versionId,
      ...timestamps,
    });
    await q.addIndex('coverages', ['patientId']);
    await q.addIndex('coverages', ['payorId', 'patientId']);

    await q.createTable('encounters', {
      id,
      patientId: ref(false),
      practitionerId: ref(true),
      organizationId: ref(true),
      encounterClass: { type: DataTypes.STRING(8), allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false },
      periodStart: { type: DataTypes.DATE(3), allowNull: true },
      periodEnd: { type: DataTypes.DATE(3), allowNull: true },
      source: { type: DataTypes.STRING(255), allowNull: true },
      versionId,
      ...timestamps,
    });
    await q.addIndex('encounters', ['patientId', 'periodStart']);
    await q.addIndex('encounters', ['practitionerId', 'patientId']);

    await q.createTable('conditions', {
      id,
      patientId: ref(false),
      encounterId: ref(true),
      recorderId: ref(true),
      codeSystem: { type: DataTypes.STRING(128), allowNull: false },
      code: { type: DataTypes.STRING(32), allowNull: false },
      display: { type: DataTypes.STRING(200), allowNull: false },
      clinicalStatus: { type: DataTypes.STRING(20), allowNull: false },
      verificationStatus: { type: DataTypes.STRING(20), allowNull: false },
      onsetDate: { type: DataTypes.DATEONLY, allowNull: true },
      recordedAt: { type: DataTypes.DATE(3), allowNull: false },
      source: { type: DataTypes.STRING(255), allowNull: true },
      versionId,
      ...timestamps,
    });
    await q.addIndex('conditions', ['patientId', 'code']);

    await q.createTable('users', {
      id,
      email: { type: DataTypes.STRING(254), allowNull: false, unique: true },
      passwordHash: { type: DataTypes.STRING(255), allowNull: false },
      role: { type: DataTypes.STRING(16), allowNull: false },
      displayName: { type: DataTypes.STRING(200), allowNull: false },
      patientId: { type: DataTypes.STRING(64), allowNull: true, unique: true },
      practitionerId: ref(true),
      organizationId: ref(true),
      active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      ...timestamps,
    });
    await q.createTable('refresh_tokens', {
      id,
      tokenHash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      userId: ref(false),
      familyId: { type: DataTypes.STRING(64), allowNull: false },
      expiresAt: { type: DataTypes.DATE(3), allowNull: false },
      usedAt: { type: DataTypes.DATE(3), allowNull: true },
      revokedAt: { type: DataTypes.DATE(3), allowNull: true },
      createdAt: { type: DataTypes.DATE(3), allowNull: false },
    });
    await q.addIndex('refresh_tokens', ['familyId']);

    await q.createTable('audit_events', {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      recordedAt: { type: DataTypes.DATE(3), allowNull: false },
      action: { type: DataTypes.STRING(1), allowNull: false },
      activity: { type: DataTypes.STRING(40), allowNull: false },
      outcome: { type: DataTypes.STRING(2), allowNull: false },
      actorUserId: ref(true),
      actorRole: { type: DataTypes.STRING(16), allowNull: true },
      resourceType: { type: DataTypes.STRING(40), allowNull: true },
      resourceId: ref(true),
      patientId: ref(true),
      sourceIp: { type: DataTypes.STRING(64), allowNull: true },
      requestId: { type: DataTypes.STRING(64), allowNull: true },
      detail: { type: DataTypes.STRING(500), allowNull: true },
    });
    await q.addIndex('audit_events', ['patientId', 'recordedAt']);
    await q.addIndex('audit_events', ['actorUserId', 'recordedAt']);
    await q.addIndex('audit_events', ['resourceType', 'resourceId']);
  },
  async down({ context: q }: { context: QueryInterface }) {
    for (const table of ['audit_events', 'refresh_tokens', 'users', 'conditions', 'encounters', 'coverages',
      'practitioners', 'patients', 'organizations']) {
      await q.dropTable(table);
    }
  },
};
