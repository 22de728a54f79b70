import type { Claim, ClaimResponse } from '@medplum/fhirtypes';
import { UniqueConstraintError } from 'sequelize';
import { AccessRefused, auditOf, resourceNotFound } from '../fhir/access.js';
import type { Stored } from '../fhir/interactions.js';
import type { FhirContext } from '../fhir/registry.js';
import * as repository from '../fhir/repository/repository.js';
import { Conflict, Forbidden, Invalid } from '../http/errors.js';
import { explanationOf, FINAL_OUTCOMES } from './claim-documents.js';
import { newResourceId } from '../fhir/repository/resource-id.js';

/**
 * The payer's answer to a claim (POST /fhir/ClaimResponse, by an insurer user or the payer's claims system):
 * stored through the repository, and when it decides the claim (outcome complete, partial or error) the
 * ExplanationOfBenefit is built from the Claim and the answer and stored in the same transaction. A claim is
 * decided once: a second deciding answer is a 409 (the EOB's id comes from the claim's, so the database decides
 * between two at once). docs/billing.md "Claims and payment".
 */
type Json = ClaimResponse & { id: string };
const CLAIM = /^Claim\/([A-Za-z0-9\-.]{1,64})$/;

const decides = (outcome: string | undefined) => (FINAL_OUTCOMES as readonly string[]).includes(outcome ?? '');

function claimIdOf(body: unknown): string {
  const reference = (body as ClaimResponse | null)?.request?.reference;
  const match = typeof reference === 'string' ? CLAIM.exec(reference) : null;
  if (!match) {
    throw new Invalid('claim-response-request', 'ClaimResponse.request must name the Claim it answers, as Claim/{id}.',
      [{ expression: 'ClaimResponse.request', message: 'Claim/{id}' }]);
  }
  return match[1];
}

export async function recordClaimResponse(ctx: FhirContext, body: unknown, id: string = newResourceId()): Promise<Stored> {
  if (ctx.caller.role !== 'insurer') {
    throw new AccessRefused(new Forbidden('wrong-role', 'A ClaimResponse is the payer\'s answer: the insurer the claim is made to posts it.'),
      auditOf('write', 'ClaimResponse', null, `role ${ctx.caller.role} does not answer claims`));
  }
  const claimId = claimIdOf(body);
  const work = async (c: FhirContext & { tx: NonNullable<FhirContext['tx']> }) => {
    const claim = (await repository.read(c, 'Claim', claimId)).resource as Claim & { id: string };
    // A payer answers only the claims made to it; another payer's claim answers as one that does not exist.
    if (c.caller.role === 'insurer' && claim.insurer?.reference !== `Organization/${c.caller.organizationId}`) throw resourceNotFound('Claim', claimId);
    const answer = body as ClaimResponse;
    if (answer.patient?.reference !== claim.patient.reference) {
      throw new Invalid('claim-response-patient', `ClaimResponse.patient must be ${claim.patient.reference}, the claim's patient.`,
        [{ expression: 'ClaimResponse.patient', message: `must be ${claim.patient.reference}` }]);
    }
    const stored = await repository.create(c, 'ClaimResponse', body, id);
    if (!decides(answer.outcome)) return stored;
    const explanation = explanationOf(claim, stored.resource as Json, new Date().toISOString());
    // The EOB is the hospital's record of the decision, written on the payer's behalf by this use case only.
    const onBehalf = { ...c, caller: { ...c.caller, scopes: [...c.caller.scopes, 'system/ExplanationOfBenefit.write'] } };
    try {
      await repository.create(onBehalf, 'ExplanationOfBenefit', explanation, explanation.id);
    } catch (error) {
      if (error instanceof UniqueConstraintError || (error instanceof Conflict && error.code === 'duplicate-id')) {
        throw new Conflict('claim-already-decided', `Claim/${claimId} has been decided already; its ExplanationOfBenefit is ${explanation.id}.`);
      }
      throw error;
    }
    return stored;
  };
  return ctx.tx ? work(ctx as FhirContext & { tx: NonNullable<FhirContext['tx']> }) : ctx.db.transaction((tx) => work({ ...ctx, tx }));
}
