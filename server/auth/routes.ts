import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '../../db/models/access.js';
import { authenticate, requireRole } from '../http/authenticate.js';
import { methodNotAllowed } from '../http/error-handler.js';
import { Invalid, Unauthorized } from '../http/errors.js';
import { callerOf, originOf } from '../http/request-context.js';
import { idInput, parseInput } from '../http/validate.js';
import type { HospitalNode } from '../hospital-node.js';
import { clearSession, endSession, sessionTokenOf, startSession } from './browser-session.js';
import { clientAssertionDeps, clientAssertionGrant, JWT_BEARER_ASSERTION } from './client-assertion-grant.js';
import { passwordGrant, refreshGrant, type TokenGrantDeps } from './grant-token.js';
import { createStaffAccount, describeCaller } from './staff-accounts.js';

const passwordGrantInput = z.object({
  grant_type: z.literal('password'),
  username: z.string().min(1).max(254),
  password: z.string().min(1).max(1024),
  scope: z.string().max(1000).optional(),
});
const refreshGrantInput = z.object({
  grant_type: z.literal('refresh_token'),
  refresh_token: z.string().min(1).max(200),
  scope: z.string().max(1000).optional(),
});
const sessionSignInInput = z.object({
  username: z.string().min(1).max(254),
  password: z.string().min(1).max(1024),
});
const clientCredentialsInput = z.object({
  grant_type: z.literal('client_credentials'),
  client_assertion_type: z.literal(JWT_BEARER_ASSERTION),
  client_assertion: z.string().min(1).max(8000),
  scope: z.string().max(1000).optional(),
});
const staffAccountInput = z.object({
  email: z.email().max(254),
  password: z.string().min(10, 'use at least 10 characters').max(1024),
  role: z.enum(ROLES).exclude(['patient', 'system']),
  givenName: z.string().min(1).max(100),
  familyName: z.string().min(1).max(100),
  organizationId: idInput.optional(),
  specialtyCode: z.string().max(32).optional(),
  specialtyDisplay: z.string().max(100).optional(),
});

export function authRoutes(node: HospitalNode): Router {
  const router = Router();
  const deps: TokenGrantDeps = {
    db: node.db, tokens: node.tokens, throttle: node.throttle, refreshTtlSeconds: node.config.refreshTokenTtlSeconds,
  };
  const signedIn = authenticate(node.tokens);
  const systemClients = clientAssertionDeps(node.db, node.tokens, node.config.publicBaseUrl, node.partnerKeys);

  router.route('/.well-known/jwks.json').get((_req, res) => { res.json(node.keys.jwks()); }).all(methodNotAllowed);

  // OAuth 2 token endpoint (RFC 6749 §4.3 password grant, §6 refresh, §4.4 client credentials with an RFC 7523
  // client assertion for partner nodes); form-encoded or JSON.
  router.route('/auth/token').post(async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const grantType = (req.body as { grant_type?: unknown } | undefined)?.grant_type;
    if (grantType === 'password') {
      const input = parseInput(passwordGrantInput, req.body);
      res.json(await passwordGrant(deps, input, originOf(req)));
    } else if (grantType === 'refresh_token') {
      const input = parseInput(refreshGrantInput, req.body);
      res.json(await refreshGrant(deps, { refreshToken: input.refresh_token, scope: input.scope }, originOf(req)));
    } else if (grantType === 'client_credentials') {
      const input = parseInput(clientCredentialsInput, req.body);
      res.json(await clientAssertionGrant(systemClients, { assertion: input.client_assertion, scope: input.scope }, originOf(req)));
    } else {
      throw new Invalid('unsupported-grant-type', 'grant_type must be "password", "refresh_token" or "client_credentials".',
        [{ expression: 'body.grant_type', message: 'unsupported' }], { error: 'unsupported_grant_type' });
    }
  }).all(methodNotAllowed);

  // The browser app's session: the same grants, the refresh token in an HttpOnly cookie (./browser-session.ts).
  const cookie = { secure: node.config.publicBaseUrl.startsWith('https:'), maxAgeSeconds: node.config.refreshTokenTtlSeconds };
  router.route('/auth/session').post(async (req, res) => {
    const input = parseInput(sessionSignInInput, req.body);
    res.json(startSession(res, await passwordGrant(deps, input, originOf(req)), cookie));
  }).delete(async (req, res) => {
    await endSession(node.db, sessionTokenOf(req), originOf(req));
    clearSession(res, cookie);
    res.status(204).end();
  }).all(methodNotAllowed);
  router.route('/auth/session/refresh').post(async (req, res) => {
    const refreshToken = sessionTokenOf(req);
    try {
      if (!refreshToken) throw new Unauthorized('invalid-refresh-token', 'There is no session to continue. Sign in again.', [], { error: 'invalid_grant' });
      res.json(startSession(res, await refreshGrant(deps, { refreshToken }, originOf(req)), cookie));
    } catch (error) {
      // A session that cannot continue is forgotten by the browser too.
      if (error instanceof Unauthorized) clearSession(res, cookie);
      throw error;
    }
  }).all(methodNotAllowed);

  router.route('/api/me').get(signedIn, async (req, res) => { res.json(await describeCaller(node.db, callerOf(req))); }).all(methodNotAllowed);

  router.route('/api/staff').post(signedIn, requireRole('admin'), async (req, res) => {
    const account = await createStaffAccount(node.db, callerOf(req), parseInput(staffAccountInput, req.body));
    res.status(201).location(`/api/staff/${account.userId}`).json(account);
  }).all(methodNotAllowed);

  return router;
}
