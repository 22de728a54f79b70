import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';
import { idColumn, refColumn, versionColumn, timestampColumns } from '../columns.js';

/** A partner hospital node this node exchanges records with (its FHIR API and the JWKS it signs with). */
export class Partner extends Model<InferAttributes<Partner>, InferCreationAttributes<Partner>> {
  declare id: string;
  declare name: string;
  declare fhirBaseUrl: string;
  declare jwksUrl: string;
  declare active: CreationOptional<boolean>;
  /** Set when the client is a payer's claims system: it acts as that payer Organization (migration 0210). */
  declare payorId: CreationOptional<string | null>;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export type ConsentStatus = 'active' | 'inactive';

/** A patient's permission (FHIR Consent) for this node to fetch their records from one partner. */
export class Consent extends Model<InferAttributes<Consent>, InferCreationAttributes<Consent>> {
  declare id: string;
  declare patientId: string;
  declare partnerId: string;
  declare status: ConsentStatus;
  declare grantedAt: Date;
  declare revokedAt: Date | null;
  /** The patient's id at the partner node (migration 0060); the pull searches the partner for it. */
  declare partnerPatientId: CreationOptional<string | null>;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export type DocumentReviewStatus = 'pending' | 'accepted' | 'rejected';

/** A diagnosis document the patient uploaded (FHIR DocumentReference), waiting for or after a doctor's review. */
export class DiagnosisDocument extends Model<InferAttributes<DiagnosisDocument>, InferCreationAttributes<DiagnosisDocument>> {
  declare id: string;
  declare patientId: string;
  declare title: string;
  /** The ICD-10 code the patient says the document shows; the reviewing doctor decides the real one. */
  declare claimedCode: string | null;
  /** The date of the in-person diagnosis the document records. */
  declare diagnosedOn: string;
  declare contentType: string;
  declare size: number;
  declare fileId: string;
  declare reviewStatus: DocumentReviewStatus;
  declare reviewerId: string | null;
  declare reviewedAt: Date | null;
  declare reviewNote: string | null;
  /** The confirmed Condition the accepting doctor recorded from this document. */
  declare conditionId: string | null;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** The bytes of an uploaded file (kept apart so that record versions never copy them). */
export class StoredFile extends Model<InferAttributes<StoredFile>, InferCreationAttributes<StoredFile>> {
  declare id: string;
  declare patientId: string;
  declare contentType: string;
  declare size: number;
  declare sha256: string;
  declare content: Buffer;
  declare createdAt: CreationOptional<Date>;
}

export type VisitNoteStatus = 'preliminary' | 'final' | 'amended';

/** The doctor's note of a visit (a FHIR Composition with S/A/P sections); signed at finish, then amend-only. */
export class VisitNote extends Model<InferAttributes<VisitNote>, InferCreationAttributes<VisitNote>> {
  declare id: string;
  declare encounterId: string;
  declare patientId: string;
  declare authorPractitionerId: string;
  declare subjective: string;
  declare assessment: string;
  declare plan: string;
  declare status: VisitNoteStatus;
  declare signedAt: Date | null;
  declare signedBy: string | null;
  declare amendmentReason: string | null;
  /** Minutes the doctor documents: what an audio-only or chat visit bills (server/billing/visit-facts.ts). */
  declare documentedMinutes: CreationOptional<number | null>;
  declare contactMode: CreationOptional<NoteContactMode | null>;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** How patient and doctor were in contact, as the doctor documents it in the note (null: the video visit booked). */
export type NoteContactMode = 'video' | 'audio-only' | 'chat';
export const NOTE_CONTACT_MODES: NoteContactMode[] = ['video', 'audio-only', 'chat'];

/** A text message or file between patient and doctor in a visit (FHIR Communication). Never changed. */
export class VisitMessage extends Model<InferAttributes<VisitMessage>, InferCreationAttributes<VisitMessage>> {
  declare id: string;
  declare encounterId: string;
  declare patientId: string;
  declare senderUserId: string;
  declare senderRole: string;
  declare text: string | null;
  declare fileName: string | null;
  declare contentType: string | null;
  declare size: number | null;
  declare fileId: string | null;
  declare sentAt: Date;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export type VisitOutcomeKind = 'needs-in-person-care';

/** How a visit ended when it ended other than normally; one per visit. */
export class VisitOutcome extends Model<InferAttributes<VisitOutcome>, InferCreationAttributes<VisitOutcome>> {
  declare encounterId: string;
  declare patientId: string;
  declare outcome: VisitOutcomeKind;
  declare reason: string;
  declare decidedBy: string;
  declare decidedAt: Date;
}

/** A patient's home-monitoring plan (FHIR CarePlan): targets and alert thresholds as JSON (MonitoringTargets). */
export class CarePlan extends Model<InferAttributes<CarePlan>, InferCreationAttributes<CarePlan>> {
  declare id: string;
  declare patientId: string;
  declare practitionerId: string | null;
  declare targets: string;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export type AlertKind = 'bp-crisis' | 'bp-stage-2' | 'glucose-low' | 'glucose-very-low' | 'glucose-very-high' | 'glucose-high';
export type AlertSeverity = 'critical' | 'high' | 'moderate';
export type AlertStatus = 'open' | 'acknowledged';

/** A reading (or an average of readings) outside the care plan's thresholds, on the treating doctor's list. */
export class MonitoringAlert extends Model<InferAttributes<MonitoringAlert>, InferCreationAttributes<MonitoringAlert>> {
  declare id: string;
  declare patientId: string;
  declare practitionerId: string | null;
  declare observationId: string | null;
  declare kind: AlertKind;
  declare severity: AlertSeverity;
  /** The finding in English, for whoever reads the table itself; the pages word `finding` instead. */
  declare message: string;
  /** What the reading showed (server/monitoring/contract.ts `AlertFinding`, JSON); null on alerts from before 0310. */
  declare finding: CreationOptional<string | null>;
  declare status: AlertStatus;
  declare openKey: string | null;
  declare raisedAt: Date;
  declare acknowledgedAt: Date | null;
  declare acknowledgedBy: string | null;
  /** Minutes the doctor documented on acknowledging (interactive time for 99457/99458); null when none. */
  declare acknowledgedMinutes: CreationOptional<number | null>;
  /** When an unacknowledged alert escalates (crisis alerts only); the escalation sweep reads it. */
  declare escalateAt: Date | null;
  declare escalatedAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export type DisputeStatus = 'open' | 'resolved';

/** A patient's complaint about a visit, resolved by an admin after reading the evidence timeline. */
export class Dispute extends Model<InferAttributes<Dispute>, InferCreationAttributes<Dispute>> {
  declare id: string;
  declare encounterId: string;
  declare patientId: string;
  declare openedBy: string;
  declare reason: string;
  declare status: DisputeStatus;
  declare resolution: string | null;
  declare outcome: string | null;
  declare resolvedBy: string | null;
  declare resolvedAt: Date | null;
  declare versionId: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

const id = idColumn;
const ref = refColumn;
const time = (allowNull: boolean) => ({ type: DataTypes.DATE(3), allowNull });
const text = (length: number, allowNull = false) => ({ type: DataTypes.STRING(length), allowNull });
const versionId = versionColumn;
const timestamps = timestampColumns;

export function defineConsultations(sequelize: Sequelize) {
  const PartnerModel = fresh(Partner);
  PartnerModel.init({
    id, name: text(200), fhirBaseUrl: { ...text(255), unique: true }, jwksUrl: text(255),
    active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    payorId: { type: DataTypes.STRING(64), allowNull: true }, versionId, ...timestamps,
  }, { sequelize, tableName: 'partners' });

  const ConsentModel = fresh(Consent);
  ConsentModel.init({
    id, patientId: ref(false), partnerId: ref(false), status: text(16), grantedAt: time(false), revokedAt: time(true),
    partnerPatientId: { type: DataTypes.STRING(64), allowNull: true }, versionId, ...timestamps,
  }, { sequelize, tableName: 'consents' });

  const DiagnosisDocumentModel = fresh(DiagnosisDocument);
  DiagnosisDocumentModel.init({
    id, patientId: ref(false), title: text(200), claimedCode: text(32, true),
    diagnosedOn: { type: DataTypes.DATEONLY, allowNull: false }, contentType: text(64),
    size: { type: DataTypes.INTEGER, allowNull: false }, fileId: ref(false), reviewStatus: text(16),
    reviewerId: ref(true), reviewedAt: time(true), reviewNote: text(500, true), conditionId: ref(true), versionId, ...timestamps,
  }, { sequelize, tableName: 'diagnosis_documents' });

  const StoredFileModel = fresh(StoredFile);
  StoredFileModel.init({
    id, patientId: ref(false), contentType: text(64), size: { type: DataTypes.INTEGER, allowNull: false }, sha256: text(64),
    content: { type: sequelize.getDialect() === 'mysql' ? DataTypes.BLOB('long') : DataTypes.BLOB, allowNull: false }, createdAt: DataTypes.DATE(3),
  }, { sequelize, tableName: 'stored_files', updatedAt: false });

  const VisitNoteModel = fresh(VisitNote);
  VisitNoteModel.init({
    id, encounterId: { ...ref(false), unique: true }, patientId: ref(false), authorPractitionerId: ref(false),
    subjective: { type: DataTypes.TEXT, allowNull: false }, assessment: { type: DataTypes.TEXT, allowNull: false },
    plan: { type: DataTypes.TEXT, allowNull: false }, status: text(16), signedAt: time(true), signedBy: ref(true),
    amendmentReason: text(500, true), documentedMinutes: { type: DataTypes.INTEGER, allowNull: true }, contactMode: text(16, true),
    versionId, ...timestamps,
  }, { sequelize, tableName: 'visit_notes' });

  const VisitMessageModel = fresh(VisitMessage);
  VisitMessageModel.init({
    id, encounterId: ref(false), patientId: ref(false), senderUserId: ref(false), senderRole: text(16),
    text: { type: DataTypes.TEXT, allowNull: true }, fileName: text(200, true), contentType: text(64, true),
    size: { type: DataTypes.INTEGER, allowNull: true }, fileId: ref(true), sentAt: time(false), versionId, ...timestamps,
  }, { sequelize, tableName: 'visit_messages' });

  const VisitOutcomeModel = fresh(VisitOutcome);
  VisitOutcomeModel.init({
    encounterId: { type: DataTypes.STRING(64), primaryKey: true }, patientId: ref(false), outcome: text(32),
    reason: text(1000), decidedBy: ref(false), decidedAt: time(false),
  }, { sequelize, tableName: 'visit_outcomes', timestamps: false });

  const CarePlanModel = fresh(CarePlan);
  CarePlanModel.init({
    id, patientId: { ...ref(false), unique: true }, practitionerId: ref(true),
    targets: { type: DataTypes.TEXT, allowNull: false }, versionId, ...timestamps,
  }, { sequelize, tableName: 'care_plans' });

  const MonitoringAlertModel = fresh(MonitoringAlert);
  MonitoringAlertModel.init({
    id, patientId: ref(false), practitionerId: ref(true), observationId: ref(true), kind: text(32), severity: text(16),
    message: text(500), finding: { type: DataTypes.TEXT, allowNull: true }, status: text(16), openKey: { ...text(100, true), unique: true }, raisedAt: time(false),
    acknowledgedAt: time(true), acknowledgedBy: ref(true), escalateAt: time(true), escalatedAt: time(true),
    acknowledgedMinutes: { type: DataTypes.INTEGER, allowNull: true }, ...timestamps,
  }, { sequelize, tableName: 'monitoring_alerts' });

  const DisputeModel = fresh(Dispute);
  DisputeModel.init({
    id, encounterId: ref(false), patientId: ref(false), openedBy: ref(false), reason: text(2000), status: text(16),
    resolution: text(2000, true), outcome: text(32, true), resolvedBy: ref(true), resolvedAt: time(true), versionId, ...timestamps,
  }, { sequelize, tableName: 'disputes' });

  return {
    Partner: PartnerModel, Consent: ConsentModel, DiagnosisDocument: DiagnosisDocumentModel, StoredFile: StoredFileModel, VisitNote: VisitNoteModel,
    VisitMessage: VisitMessageModel, VisitOutcome: VisitOutcomeModel, CarePlan: CarePlanModel,
    MonitoringAlert: MonitoringAlertModel, Dispute: DisputeModel,
  };
}
