import type { Config } from '../config.js';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Model, ModelStatic, Transaction } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Role } from '../../db/models/access.js';
import type { Caller } from '../auth/caller.js';
import type { KeyRing } from '../auth/keys.js';
import type { Stored } from './interactions.js';
import type { SearchOptions, SearchQuery } from './search.js';

/**
 * The registry of FHIR resource types this node serves. One router (routes.ts) serves every registered type:
 * adding a type means writing its mapping in fhir-mappings/ and a declaration in resources/, nothing else.
 * docs/fhir.md explains how.
 */
export type Interaction = 'read' | 'vread' | 'search-type' | 'history-instance' | 'create' | 'update' | 'delete';

/** A plain row as the model stores it (attribute name → value). */
export type Row = Record<string, unknown> & { id: string | number };

/** hl7.org/fhir/R4/search.html#ptypes: the parameter types this server implements. */
export type SearchParamType = 'token' | 'date' | 'string' | 'reference' | 'number' | 'quantity' | 'uri' | 'composite';

export interface SearchParamDefinition {
  name: string;
  type: SearchParamType;
  /** Model attribute(s) the parameter searches; several = any of them (e.g. name → given or family). */
  columns: string[];
  documentation: string;
  /** token: the attribute holding the code system, or the one fixed system the codes belong to. */
  systemColumn?: string;
  system?: string;
  /** date: `date` for DATEONLY columns compared as YYYY-MM-DD strings, `instant` otherwise (default). */
  precision?: 'date' | 'instant';
  /** reference: the resource type(s) the reference may point at. */
  target?: string[];
  /** The column is never null, so `_sort` may use it (keyset paging needs a total order). */
  sortable?: boolean;
  /** The canonical URL of the official SearchParameter it implements. */
  definition?: string;
}

/** What every interaction handler gets: who asks, the database, and the transaction it runs in. */
export interface FhirContext {
  db: Database;
  caller: Caller;
  tx?: Transaction;
  /** The node's configuration, for domain writes that need it (booking notifications carry the public URL). */
  config: Config;
  /** The base URL of this server's FHIR endpoint, e.g. http://host/fhir (for Location and links). */
  baseUrl: string;
  /** The node's signing keys, for an operation whose answer the hospital signs (Task $close's receipt). */
  keys?: KeyRing;
  /** Inside a transaction Bundle: `Type/id` of every resource the Bundle creates (references to them are fine). */
  pendingReferences?: Set<string>;
}

/**
 * A custom write, for a capability whose creation is a domain act (booking on POST /fhir/Appointment): it
 * gets the validated resource and must return the stored row (versioned and audited by the handler itself).
 */
export type CustomWrite = (ctx: FhirContext & { tx: Transaction }, resource: Resource, id: string) => Promise<Row>;

/** A FHIR operation (`$name`), declared beside its handler and listed in the CapabilityStatement. */
export interface OperationDefinition {
  name: string;
  /** `instance`: POST /fhir/Type/{id}/$name; `type`: POST /fhir/Type/$name. */
  level: 'instance' | 'type';
  /** Canonical URL of the OperationDefinition (ours or HL7's). */
  definition: string;
  documentation: string;
  /** false: the operation changes nothing, so it may also be invoked with GET (operations.html#invoking). */
  affectsState?: boolean;
  /**
   * Who may invoke it, checked by the router before the Idempotency-Key and the handler (403 `wrong-role`
   * otherwise); absent: every signed-in caller, the handler deciding the rest.
   */
  callers?: OperationCallers;
  /** It accepts an `Idempotency-Key`: the first answer is stored and replayed to retries (http/idempotency.ts). */
  idempotent?: boolean;
  /** Answers a resource (often Parameters or the changed resource) with the status to send. */
  handler(ctx: FhirContext, input: { id?: string; parameters: Resource | undefined; query: Record<string, unknown> })
    : Promise<{ status: number; resource?: Resource }>;
}

export interface OperationCallers {
  roles: Role[];
  /** A partner node (role `system`) must also hold this scope (e.g. system/Task.write to dispense). */
  systemScope?: string;
  /** The refusal's message, in the words of the domain. */
  refusal: string;
}

/**
 * Where a type stored whole by the FHIR repository (server/fhir/repository/) is read, written and searched:
 * every interaction of such a type goes here instead of through `model` and the mappings.
 */
export interface ResourceStore {
  read(ctx: FhirContext, id: string): Promise<Stored>;
  vread(ctx: FhirContext, id: string, version: string): Promise<Stored>;
  history(ctx: FhirContext, id: string): Promise<Bundle>;
  checkBeforeWriting(ctx: FhirContext, body: unknown, existingId?: string): Promise<void>;
  create(ctx: FhirContext, body: unknown, id?: string): Promise<Stored>;
  createIfNoneExist(ctx: FhirContext, body: unknown, criteria: string, id?: string): Promise<Stored>;
  update(ctx: FhirContext, id: string, body: unknown, ifMatch?: string): Promise<Stored>;
  remove(ctx: FhirContext, id: string, ifMatch?: string): Promise<Stored>;
  search(ctx: FhirContext, query: SearchQuery, options: SearchOptions): Promise<Bundle>;
}

export interface ResourceDefinition {
  type: string;
  /** Set for a type the FHIR repository stores whole (no domain table): it serves every interaction. */
  store?: ResourceStore;
  model(db: Database): ModelStatic<Model>;
  toResource(row: Row): Resource;
  /** Resource → model attributes; throws InvalidResource (fhir-mappings/common.ts). Absent for read-only types. */
  fromResource?(resource: Resource, now: Date): Record<string, unknown>;
  interactions: Interaction[];
  searchParams: SearchParamDefinition[];
  /**
   * The attribute that holds the patient a row belongs to (the Patient compartment); `id` for Patient itself.
   * Rows of such a type are read and written only under assertPatientAccess rules, and searches are
   * constrained to the caller's patients. Absent: any signed-in caller whose scopes allow the type may read.
   */
  patientColumn?: string;
  /**
   * Where an incoming resource names its patient: the element holding the Reference(s), dotted through arrays
   * (`subject`, `participant.actor`). The caller's access to that patient is checked before the resource is
   * validated (access.ts `assertNamedPatientAccess`), so a refused write costs no validation.
   */
  patientReference?: string;
  /** Roles that may use the type at all (default: every role) … */
  readRoles?: Role[];
  /** … and that may create or update it (default: every role, still bound by scopes and the compartment). */
  writeRoles?: Role[];
  /** Attributes that mark a row entered-in-error: a delete becomes a new version with them (never a hard delete). */
  enteredInError?: Record<string, unknown>;
  /** Attribute for meta.lastUpdated and `_lastUpdated` (default `updatedAt`). */
  lastUpdatedColumn?: string;
  /** false for types with no versions (AuditEvent): every row is version 1 forever. */
  versioned?: boolean;
  /** A create with its own use case (Appointment: booking rules); it must store the row under the `id` it is given. */
  create?: CustomWrite;
  /**
   * Runs in the write's transaction right after a generic create or update stored the row (before its version
   * is recorded), for what the row implies elsewhere (a DiagnosticReport links its result Observations). It may
   * refuse with a DomainError: the whole write rolls back.
   */
  afterWrite?(ctx: FhirContext & { tx: Transaction }, row: Row): Promise<void>;
  operations?: OperationDefinition[];
}

const registry = new Map<string, ResourceDefinition>();

/** The repository's definitions of types a domain definition took over (restored when that one is removed). */
const displaced = new Map<string, ResourceDefinition>();

/**
 * Registers a type; the router, search, Bundles and the CapabilityStatement pick it up from here. A domain
 * definition takes a type over from the repository, which serves every R4 type nothing else declares.
 */
export function registerResource(definition: ResourceDefinition): void {
  const existing = registry.get(definition.type);
  if (existing && !(existing.store && !definition.store)) throw new Error(`FHIR type ${definition.type} is registered twice`);
  if (existing) displaced.set(definition.type, existing);
  registry.set(definition.type, definition);
}

/** Removes a type (tests that plug a throwaway type in take it out again); the repository serves it again. */
export function unregisterResource(type: string): void {
  registry.delete(type);
  const repository = displaced.get(type);
  if (repository) registry.set(type, repository);
  displaced.delete(type);
}

export function definitionOf(type: string): ResourceDefinition | undefined {
  return registry.get(type);
}

export function registeredTypes(): ResourceDefinition[] {
  return [...registry.values()].sort((a, b) => a.type.localeCompare(b.type));
}

export function supports(definition: ResourceDefinition, interaction: Interaction): boolean {
  return definition.interactions.includes(interaction);
}
