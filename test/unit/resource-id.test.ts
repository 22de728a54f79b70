import { expect } from 'chai';
import { newResourceId } from '../../server/fhir/repository/resource-id.js';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('new resource ids', () => {
  it('are valid FHIR ids and UUIDs of version 7 whose first 48 bits are the time they were made', () => {
    const before = Date.now();
    const id = newResourceId();
    const after = Date.now();
    expect(id).to.match(FHIR_ID).and.to.match(UUID_V7);
    const madeAt = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(madeAt).to.be.within(before, after);
  });

  it('sort in the order they were made, a millisecond apart or more, and never repeat', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(newResourceId());
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect([...made].sort()).to.deep.equal(made);
    const many = new Set(Array.from({ length: 10_000 }, newResourceId));
    expect(many.size).to.equal(10_000);
  });
});
