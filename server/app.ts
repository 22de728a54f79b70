import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Database } from '../db/connection.js';
import { appointmentRoutes } from './appointments/routes.js';
import { auditRoutes } from './audit/routes.js';
import type { KeyRing } from './auth/keys.js';
import { authRoutes } from './auth/routes.js';
import { tokenIssuer } from './auth/tokens.js';
import type { Config } from './config.js';
import { consultationRoutes } from './consultations/routes.js';
import { PartnerCallTally } from './exchange/partner-client.js';
import { PartnerKeySets } from './exchange/partner-keys.js';
import type { HospitalNode } from './hospital-node.js';
import { fhirRoutes } from './fhir/routes.js';
import { errorHandler, unknownRoute } from './http/error-handler.js';
import { guardRouteIds, wellFormedInput } from './http/input-rules.js';
import { LoginThrottle } from './http/login-throttle.js';
import { rateLimits } from './http/rate-limits.js';
import { noStore } from './http/no-store.js';
import { requestContext } from './http/request-context.js';
import { createLogger, type Logger } from './logger.js';
import { nodeMetrics } from './operations/metrics.js';
import { notificationRoutes } from './notifications/routes.js';
import { operationsRoutes } from './operations/routes.js';
import { patientRoutes } from './patients/routes.js';
import { prescriptionRoutes } from './prescriptions/routes.js';
import { videoRoutes } from './video/routes.js';
import { billingRoutes } from './billing/routes.js';
import { claimsRoutes } from './billing/claims-routes.js';

export interface AppParts {
  config: Config;
  db: Database;
  keys: KeyRing;
  log?: Logger;
}

/** Builds one hospital node's Express app; it does not listen (tests use it in-process). */
export function buildApp({ config, db, keys, log = createLogger(config.logLevel) }: AppParts): { app: Express; node: HospitalNode } {
  const tokens = tokenIssuer(config, keys);
  const partnerCalls = new PartnerCallTally();
  const node: HospitalNode = {
    config, db, keys, log,
    tokens,
    throttle: new LoginThrottle(db, config.login.maxFailures, config.login.windowSeconds),
    partnerKeys: new PartnerKeySets(config.partnerTimeoutMs),
    rateLimits: rateLimits(config.rateLimits, tokens, log),
    partnerCalls,
    metrics: nodeMetrics({
      db, partnerCalls, video: () => node.signalling && { rooms: node.signalling.bus.roomCount, sockets: node.signalling.connectionCount },
    }),
  };
  const app = express();
  app.disable('x-powered-by');
  // Off unless TRUST_PROXY names the proxies: otherwise any client could choose its address with X-Forwarded-For.
  app.set('trust proxy', config.trustProxy.length ? config.trustProxy : false);
  app.use(requestContext(log));
  app.use(node.metrics.countRequests);
  app.use(helmet());
  app.use(express.json({ limit: config.bodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use(express.urlencoded({ limit: config.bodyLimit, extended: false }));
  // Health, readiness and static files are not limited; token grants are keyed by the username in the body.
  app.post('/auth/token', node.rateLimits.tokenGrants);
  app.post(['/auth/session', '/auth/session/refresh'], node.rateLimits.tokenGrants);
  app.post('/api/patients', node.rateLimits.registration);
  app.use(['/api', '/fhir'], node.rateLimits.api);
  app.use(['/api', '/fhir', '/auth'], noStore);
  app.use(wellFormedInput());

  app.use(operationsRoutes(node));
  app.use(authRoutes(node));
  app.use(patientRoutes(node));
  app.use(auditRoutes(node));
  app.use(appointmentRoutes(node));
  app.use(fhirRoutes(node));
  app.use(consultationRoutes(node));
  app.use(prescriptionRoutes(node));
  app.use(videoRoutes(node));
  app.use(notificationRoutes(node));
  app.use(billingRoutes(node));
  app.use(claimsRoutes(node));
  app.use(express.static(config.clientDir, { index: 'index.html', fallthrough: true }));

  app.use(unknownRoute());
  app.use(errorHandler());
  guardRouteIds(app.router);
  return { app, node };
}
