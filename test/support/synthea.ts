import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { Bundle, Resource } from '@medplum/fhirtypes';

/** The project's own copy of the Synthea records (test/fixtures/synthea, with their provenance). */
export const SYNTHEA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/synthea');

/** One Synthea patient history: the transaction Bundle as published, and its text as it would be POSTed. */
export interface SyntheaRecord {
  file: string;
  text: string;
  bundle: Bundle;
}

export function syntheaRecords(dir = SYNTHEA_DIR): SyntheaRecord[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json.gz')).sort().map((file) => {
    const text = zlib.gunzipSync(fs.readFileSync(path.join(dir, file))).toString();
    return { file, text, bundle: JSON.parse(text) as Bundle };
  });
}

export type DirectoryType = 'Practitioner' | 'Organization' | 'Location';

/**
 * A practitioner, hospital or location a record names by a conditional reference
 * (`Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|…`). Synthea ships these in separate provider files,
 * so whoever imports a record creates them first, from the identifier and the `display` beside the reference.
 */
export interface DirectoryEntry {
  reference: string;
  type: DirectoryType;
  system: string;
  value: string;
  display: string;
}

const CONDITIONAL = /^(Practitioner|Organization|Location)\?identifier=([^|]+)\|(.+)$/;

/** Every `{ reference, display }` object in a resource, however deep. */
export function referencesIn(value: unknown, found: Array<{ reference: string; display?: string }> = []) {
  if (Array.isArray(value)) value.forEach((item) => referencesIn(item, found));
  else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.reference === 'string') found.push(object as { reference: string; display?: string });
    Object.values(object).forEach((item) => referencesIn(item, found));
  }
  return found;
}

/** The directory entries the records reference, each once, with the first display found for it. */
export function directoryEntriesOf(records: SyntheaRecord[]): DirectoryEntry[] {
  const entries = new Map<string, DirectoryEntry>();
  for (const { bundle } of records) {
    for (const { reference, display } of referencesIn(bundle.entry?.map((e) => e.resource))) {
      const match = CONDITIONAL.exec(reference);
      if (!match || entries.has(reference)) continue;
      const [, type, system, value] = match;
      entries.set(reference, { reference, type: type as DirectoryType, system, value, display: display ?? `Synthea ${value}` });
    }
  }
  return [...entries.values()];
}

/** A practitioner's display as Synthea writes it ("Dr. Hugo693 Kovacek682"): given and family name. */
export function practitionerName(display: string): { given: string; family: string } {
  const words = display.replace(/^Dr\.\s*/, '').trim().split(/\s+/);
  return { given: words.slice(0, -1).join(' ') || words[0], family: words[words.length - 1] };
}

/** The Organization or Location resource of a directory entry, named as the records display it. */
export function directoryResource(entry: DirectoryEntry): Resource {
  const identifier = [{ system: entry.system, value: entry.value }];
  if (entry.type === 'Practitioner') {
    const { given, family } = practitionerName(entry.display);
    return { resourceType: 'Practitioner', identifier, name: [{ use: 'official', family, given: [given] }] };
  }
  return { resourceType: entry.type, identifier, name: entry.display } as Resource;
}

/** One request to a hospital node as its admin (supertest in a test, fetch in a benchmark). */
export type AdminCall = (method: 'POST' | 'PUT', path: string, body: unknown) => Promise<{ status: number; body: Record<string, unknown> }>;

async function expectCreated(answer: ReturnType<AdminCall>, what: string, status = 201) {
  const { status: got, body } = await answer;
  if (got !== status) throw new Error(`${what} answered ${got}, not ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/** What was made for a directory entry: its `Type/id`, and for a practitioner the staff account's email. */
export interface DirectoryRecord {
  target: string;
  email?: string;
}

/**
 * Creates the directory entries as this hospital would: a practitioner is a staff account (POST /api/staff) whose
 * Practitioner then gets its NPI (PUT /fhir/Practitioner/{id}); an organisation or location is created by FHIR.
 * Answers what was made for each conditional reference.
 */
export async function createDirectory(call: AdminCall, entries: DirectoryEntry[]): Promise<Map<string, DirectoryRecord>> {
  const created = new Map<string, DirectoryRecord>();
  for (const entry of entries) {
    const resource = directoryResource(entry);
    if (entry.type === 'Practitioner') {
      const { given, family } = practitionerName(entry.display);
      const email = `npi.${entry.value}.${crypto.randomBytes(4).toString('hex')}@synthea.test`;
      const account = await expectCreated(call('POST', '/api/staff', {
        email, password: crypto.randomBytes(12).toString('hex'), role: 'doctor', givenName: given, familyName: family,
      }), `the staff account of ${entry.reference}`);
      const id = String(account.practitionerId);
      await expectCreated(call('PUT', `/fhir/Practitioner/${id}`, { ...resource, id }), `the NPI of Practitioner/${id}`, 200);
      created.set(entry.reference, { target: `Practitioner/${id}`, email });
    } else {
      const id = String((await expectCreated(call('POST', `/fhir/${entry.type}`, resource), entry.reference)).id);
      created.set(entry.reference, { target: `${entry.type}/${id}` });
    }
  }
  return created;
}
