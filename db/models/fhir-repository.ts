import {
  DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelAttributes, type Sequelize,
} from 'sequelize';
import { fresh } from './fresh.js';

/**
 * A resource stored whole by the FHIR repository (server/fhir/repository/): `content` is the JSON as written,
 * with only `id` and `meta.versionId`/`meta.lastUpdated` set by us. A delete keeps the row (deleted, with the
 * last content, which decides who may learn that it was deleted); every version is in resource_versions.
 */
export class FhirResource extends Model<InferAttributes<FhirResource>, InferCreationAttributes<FhirResource>> {
  declare resourceType: string;
  declare id: string;
  declare versionId: number;
  declare lastUpdated: Date;
  declare deleted: CreationOptional<boolean>;
  declare content: string;
}

/** One lookup row: a value of one search parameter (`code`) of one resource, written with the resource. */
class LookupRow extends Model {
  declare id: CreationOptional<number>;
  declare resourceType: string;
  declare resourceId: string;
  declare code: string;
}

/**
 * The lookup tables, by the kind of value they hold (migration 0150 creates them with their indexes). A function:
 * Sequelize replaces an attribute's type with its dialect's on init, so two databases in one process (the tests)
 * must not share attribute objects, or SQLite would write dates as MySQL does.
 */
function lookupColumns() {
  const text = (allowNull: boolean) => ({ type: DataTypes.STRING(255), allowNull });
  const keys = () => ({
    id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
    resourceType: { type: DataTypes.STRING(64), allowNull: false },
    resourceId: { type: DataTypes.STRING(64), allowNull: false },
  });
  const coded = () => ({ ...keys(), code: { type: DataTypes.STRING(64), allowNull: false } });
  const date = () => ({ type: DataTypes.DATE(3), allowNull: false });
  return {
    FhirToken: ['fhir_tokens', { ...coded(), system: text(true), value: text(true), text: text(true) }],
    FhirString: ['fhir_strings', { ...coded(), value: text(false), exact: text(false) }],
    FhirDate: ['fhir_dates', { ...coded(), start: date(), end: date() }],
    FhirReference: ['fhir_references', { ...coded(), targetType: { type: DataTypes.STRING(64), allowNull: true }, targetId: text(false) }],
    FhirQuantity: ['fhir_quantities', { ...coded(), value: { type: DataTypes.DOUBLE, allowNull: false }, system: text(true), unit: text(true) }],
    FhirUri: ['fhir_uris', { ...coded(), value: text(false) }],
    // A composite parameter's value (migration 0190): its first component a token, its second of any kind.
    FhirComposite: ['fhir_composites', {
      ...coded(), system: text(true), value: text(true), system2: text(true), value2: text(true),
      number2: { type: DataTypes.DOUBLE, allowNull: true }, unit2: text(true),
      start2: { type: DataTypes.DATE(3), allowNull: true }, end2: { type: DataTypes.DATE(3), allowNull: true },
    }],
    FhirCompartment: ['fhir_compartments', { ...keys(), patientId: { type: DataTypes.STRING(64), allowNull: false } }],
  } as const satisfies Record<string, [string, ModelAttributes]>;
}

export type LookupModelName = keyof ReturnType<typeof lookupColumns>;

export function defineFhirRepository(sequelize: Sequelize) {
  const FhirResourceModel = fresh(FhirResource);
  FhirResourceModel.init({
    resourceType: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
    id: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
    versionId: { type: DataTypes.INTEGER, allowNull: false },
    lastUpdated: { type: DataTypes.DATE(3), allowNull: false },
    deleted: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    content: { type: sequelize.getDialect() === 'mysql' ? DataTypes.TEXT('long') : DataTypes.TEXT, allowNull: false },
  }, { sequelize, tableName: 'fhir_resources', timestamps: false });
  const lookups = Object.fromEntries(Object.entries(lookupColumns()).map(([name, [tableName, attributes]]) => {
    const LookupModel = fresh(LookupRow);
    LookupModel.init(attributes, { sequelize, tableName, timestamps: false });
    return [name, LookupModel];
  })) as Record<LookupModelName, typeof LookupRow>;
  return { FhirResource: FhirResourceModel, ...lookups };
}
