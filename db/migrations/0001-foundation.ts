import { DataTypes, type QueryInterface } from 'sequelize';
import type { Migration } from './index.js';
import { idColumn, refColumn, versionColumn, timestampColumns } from '../columns.js';


export const foundation: Migration = {
  name: '0001-foundation',
  async up({ context: q }: { context: QueryInterface }) {
    await q.createTable('organizations', {
      id: idColumn,
      name: { type: DataTypes.STRING(200), allowNull: false },
      kind: { type: DataTypes.STRING(16), allowNull: false },
      identifier: { type: DataTypes.STRING(64), allowNull: true, unique: true },
      versionId: versionColumn,
      ...timestampColumns,
    });
    await q.createTable('patients', {
      id: idColumn,
      familyName: { type: DataTypes.STRING(100), allowNull: false },
      givenName: { type: DataTypes.STRING(100), allowNull: false },
      birthDate: { type: DataTypes.DATEONLY, allowNull: true },
      gender: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'unknown' },
      phone: { type: DataTypes.STRING(32), allowNull: true },
      email: { type: DataTypes.STRING(254), allowNull: true },
      timeZone: { type: DataTypes.STRING(64), allowNull: false, defaultValue: 'UTC' },
      versionId: versionColumn,
      ...timestampColumns,
    });
    await q.createTable('practitioners', {
      id: idColumn,
      familyName: { type: DataTypes.STRING(100), allowNull: false },
      givenName: { type: DataTypes.STRING(100), allowNull: false },
      specialtyCode: { type: DataTypes.STRING(32), allowNull: true },
      specialtyDisplay: { type: DataTypes.STRING(100), allowNull: true },
      organizationId: refColumn(false),
      versionId: versionColumn,
      ...timestampColumns,
    });
    await q.createTable('coverages', {
      id: idColumn,
      patientId: refColumn(false),
      payorId: refColumn(false),
      memberId: { type: DataTypes.STRING(64), allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false },
      periodStart: { type: DataTypes.DATEONLY, allowNull: true },
      periodEnd: { type: DataTypes.DATEONLY, allowNull: true },
      versionId: versionColumn,
      ...timestampColumns,
    });
    await q.addIndex('coverages', ['patientId']);
    await q.addIndex('coverages', ['payorId', 'patientId']);

    await q.createTable('encounters', {
      id: idColumn,
      patientId: refColumn(false),
      practitionerId: refColumn(true),
      organizationId: refColumn(true),
      encounterClass: { type: DataTypes.STRING(8), allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false },
      periodStart: { type: DataTypes.DATE(3), allowNull: true },
      periodEnd: { type: DataTypes.DATE(3), allowNull: true },
      source: { type: DataTypes.STRING(255), allowNull: true },
      versionId: versionColumn,
      ...timestampColumns,
    });
    await q.addIndex('encounters', ['patientId', 'periodStart']);
    await q.addIndex('encounters', ['practitionerId', 'patientId']);

    await q.createTable('conditions', {
      id: idColumn,
      patientId: refColumn(false),
      encounterId: refColumn(true),
      recorderId: refColumn(true),
      codeSystem: { type: DataTypes.STRING(128), allowNull: false },
      code: { type: DataTypes.STRING(32), allowNull: false },
      display: { type: DataTypes.STRING(200), allowNull: false },
      clinicalStatus: { type: DataTypes.STRING(20), allowNull: false },
      verificationStatus: { type: DataTypes.STRING(20), allowNull: false },
      onsetDate: { type: DataTypes.DATEONLY, allowNull: true },
      recordedAt: { type: DataTypes.DATE(3), allowNull: false },
      source: { type: DataTypes.STRING(255), allowNull: true },
      versionId: versionColumn,
      ...timestampColumns,
    });
    await q.addIndex('conditions', ['patientId', 'code']);

    await q.createTable('users', {
      id: idColumn,
      email: { type: DataTypes.STRING(254), allowNull: false, unique: true },
      passwordHash: { type: DataTypes.STRING(255), allowNull: false },
      role: { type: DataTypes.STRING(16), allowNull: false },
      displayName: { type: DataTypes.STRING(200), allowNull: false },
      patientId: { type: DataTypes.STRING(64), allowNull: true, unique: true },
      practitionerId: refColumn(true),
      organizationId: refColumn(true),
      active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      ...timestampColumns,
    });
    await q.createTable('refresh_tokens', {
      id: idColumn,
      tokenHash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      userId: refColumn(false),
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
      actorUserId: refColumn(true),
      actorRole: { type: DataTypes.STRING(16), allowNull: true },
      resourceType: { type: DataTypes.STRING(40), allowNull: true },
      resourceId: refColumn(true),
      patientId: refColumn(true),
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
