type Json = Record<string, unknown>;

/** The resource without what the server sets (id, meta.versionId, meta.lastUpdated), for an element-by-element comparison. */
export function withoutServerElements(resource: Json): Json {
  const rest: Json = { ...resource };
  const ownMeta: Json = { ...(resource.meta as Json | undefined) };
  delete rest.id;
  delete rest.meta;
  delete ownMeta.versionId;
  delete ownMeta.lastUpdated;
  return Object.keys(ownMeta).length ? { ...rest, meta: ownMeta } : rest;
}
