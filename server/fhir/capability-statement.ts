import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { registeredTypes, type ResourceDefinition } from './registry.js';
import { lookupParametersOf } from './repository/domain-lookups.js';
import { REFUSED_TYPES } from './repository/generic-types.js';
import { includesOf, searchParamsOf } from './search.js';

/** SMART App Launch 1.0 oauth-uris extension (hl7.org/fhir/smart-app-launch/1.0.0/conformance). */
export const SMART_OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';
export const SOFTWARE_VERSION = '0.1.0';

/** The R4 parameters a domain type answers from its lookup rows beyond those it declares (repository/domain-lookups.ts). */
function lookupSearchParams(definition: ResourceDefinition): NonNullable<CapabilityStatementRestResource['searchParam']> {
  const declared = new Set(searchParamsOf(definition).map((p) => p.name));
  return lookupParametersOf(definition).filter((p) => !declared.has(p.code)).map((p) => ({
    name: p.code, type: p.kind, documentation: p.description.split('\n')[0].slice(0, 200), definition: p.url,
  }));
}

function resourceCapability(definition: ResourceDefinition): CapabilityStatementRestResource {
  const { include, revinclude } = includesOf(definition);
  const searches = definition.interactions.includes('search-type');
  return {
    type: definition.type as CapabilityStatementRestResource['type'],
    interaction: definition.interactions.map((code) => ({ code })),
    versioning: definition.versioned === false ? 'no-version' : 'versioned',
    readHistory: definition.interactions.includes('vread'),
    updateCreate: false,
    conditionalCreate: definition.interactions.includes('create'),
    conditionalRead: 'not-supported',
    // conditional.ts: PUT Type?search and DELETE Type?search (one match at most: `single`).
    conditionalUpdate: definition.interactions.includes('update'),
    conditionalDelete: definition.interactions.includes('delete') ? 'single' : 'not-supported',
    ...(searches && include.length ? { searchInclude: include } : {}),
    ...(searches && revinclude.length ? { searchRevInclude: revinclude } : {}),
    ...(searches ? {
      searchParam: [...searchParamsOf(definition).map((p) => ({
        name: p.name, type: p.type, documentation: p.documentation,
        ...(p.name === '_id' ? { definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' } : {}),
        ...(p.name === '_lastUpdated' ? { definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated' } : {}),
        ...(p.definition ? { definition: p.definition } : {}),
      })), ...lookupSearchParams(definition)],
    } : {}),
    ...operationsOf(definition.operations),
  };
}

const operationsOf = (operations: ResourceDefinition['operations']) => (operations?.length
  ? { operation: operations.map((op) => ({ name: op.name, definition: op.definition, documentation: op.documentation })) }
  : {});

/** GET /fhir/metadata: exactly what this node serves, built from the registry so it cannot drift. */
export function capabilityStatement(baseUrl: string, publishedAt: string): CapabilityStatement {
  const origin = baseUrl.replace(/\/fhir$/, '');
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: publishedAt,
    publisher: 'internet-hospital',
    kind: 'instance',
    software: { name: 'internet-hospital', version: SOFTWARE_VERSION },
    implementation: { description: 'Internet hospital node: FHIR R4 record exchange', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{
      mode: 'server',
      security: {
        extension: [{ url: SMART_OAUTH_URIS, extension: [{ url: 'token', valueUri: `${origin}/auth/token` }] }],
        service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
        description: 'OAuth 2 Bearer tokens from /auth/token with SMART v1 scopes (patient/*.read, user/Observation.write, …).',
      },
      resource: registeredTypes().map(resourceCapability),
      interaction: [{ code: 'transaction' }, { code: 'batch' }],
      documentation: `Every R4 resource type is served but these, refused on purpose: ${
        Object.entries(REFUSED_TYPES).map(([type, why]) => `${type} (${why})`).join('; ')}.`,
    }],
  };
}

/** /.well-known/smart-configuration (SMART App Launch 1.0 §2.3). */
export function smartConfiguration(baseUrl: string) {
  const origin = baseUrl.replace(/\/fhir$/, '');
  return {
    token_endpoint: `${origin}/auth/token`,
    grant_types_supported: ['password', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['ES256'],
    scopes_supported: ['patient/*.read', 'patient/*.write', 'user/*.read', 'user/*.write', 'system/*.read', 'system/Task.write'],
    response_types_supported: ['token'],
    capabilities: ['client-public', 'client-confidential-asymmetric', 'permission-patient', 'permission-user'],
    jwks_uri: `${origin}/.well-known/jwks.json`,
  };
}
