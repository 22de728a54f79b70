import { Op, type WhereOptions } from 'sequelize';
import type { Database } from '../../db/connection.js';
import type { Slot, VisitType } from '../../db/models/scheduling.js';

export interface SlotQuery {
  practitionerId?: string;
  /** Specialty code (SNOMED CT) or a word of its display, e.g. 419192003 or "internal". */
  specialty?: string;
  visitType?: VisitType;
  from?: Date;
  to?: Date;
  limit?: number;
}

const DAY = 86_400_000;

/** Free future slots matching the query, earliest first, with their practitioner. Not clinical data: no audit. */
export async function searchFreeSlots(db: Database, query: SlotQuery, now = new Date()) {
  const { Slot: Slots, Practitioner } = db.models;
  const from = query.from && query.from > now ? query.from : now;
  const to = query.to ?? new Date(from.getTime() + 31 * DAY);
  const where: WhereOptions<Slot> & Record<string, unknown> = { status: 'free', start: { [Op.gte]: from, [Op.lt]: to } };
  if (query.visitType) where.visitTypes = { [Op.like]: `%${query.visitType}%` };
  let practitionerIds: string[] | undefined = query.practitionerId ? [query.practitionerId] : undefined;
  if (query.specialty) {
    const matching = await Practitioner.findAll({
      attributes: ['id'],
      where: { [Op.or]: [{ specialtyCode: query.specialty }, { specialtyDisplay: { [Op.like]: `%${query.specialty}%` } }] },
    });
    const ids = matching.map((p) => p.id);
    practitionerIds = practitionerIds ? practitionerIds.filter((id) => ids.includes(id)) : ids;
  }
  if (practitionerIds) where.practitionerId = practitionerIds;
  const slots = await Slots.findAll({ where, order: [['start', 'ASC']], limit: Math.min(query.limit ?? 100, 500) });
  const people = await Practitioner.findAll({ where: { id: [...new Set(slots.map((s) => s.practitionerId))] } });
  const byId = new Map(people.map((p) => [p.id, p]));
  return slots.map((slot) => ({ slot, practitioner: byId.get(slot.practitionerId) }));
}
