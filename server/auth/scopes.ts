import type { Role } from '../../db/models/access.js';

export type AccessMode = 'read' | 'write';

/** What each role may be granted; a client may ask for less with the `scope` parameter. */
export const ROLE_SCOPES: Record<Role, string[]> = {
  patient: ['patient/*.read', 'patient/*.write'],
  doctor: ['user/*.read', 'user/*.write'],
  pharmacist: ['user/*.read', 'user/*.write'],
  insurer: ['user/*.read', 'user/ClaimResponse.write'],
  admin: ['user/*.read', 'user/*.write'],
  system: ['system/*.read'],
};

const SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)$/;

/** SMART App Launch v1 scope syntax: `context/ResourceType.mode`, `*` for any type or mode. */
export function scopeAllows(scopes: string[], resourceType: string, mode: AccessMode): boolean {
  return scopes.some((scope) => {
    const match = SCOPE.exec(scope);
    if (!match) return false;
    const [, , type, scopeMode] = match;
    return (type === '*' || type === resourceType) && (scopeMode === '*' || scopeMode === mode);
  });
}

/** The scopes to grant: the requested ones that the role allows, or all of the role's when none are asked for. */
export function grantScopes(role: Role, requested: string | undefined): string[] {
  return narrowScopes(ROLE_SCOPES[role], requested);
}

/**
 * The requested scopes that `allowed` covers, or all of `allowed` when none are asked for: a grant (and a refresh,
 * against the scope granted at sign-in) can keep or narrow a scope, never widen it.
 */
export function narrowScopes(allowed: string[], requested: string | undefined): string[] {
  if (!requested?.trim()) return allowed;
  return requested.trim().split(/\s+/).filter((scope) => {
    const match = SCOPE.exec(scope);
    if (!match) return false;
    const [, context, type, mode] = match;
    return allowed.some((a) => {
      const granted = SCOPE.exec(a);
      if (!granted) return false;
      const [, aContext, aType, aMode] = granted;
      return aContext === context && (aType === '*' || aType === type) && (aMode === '*' || aMode === mode);
    });
  });
}
